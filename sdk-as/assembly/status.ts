// Statuses, and the call's error: a read of bytes that do not decode
// fails the call (emit refuses, and the event ends with that status), so a
// module never acts on a misread event.

export enum Status {
  Ok = 0,
  Internal = 1,
  InvalidArgument = 2,
  NotFound = 3,
}

let callError: Status = Status.Ok;

export function fail(status: Status = Status.InvalidArgument): void {
  if (callError == Status.Ok) callError = status;
}

export function callStatus(): Status {
  return callError;
}

export function resetCallStatus(): void {
  callError = Status.Ok;
}
