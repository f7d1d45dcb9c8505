package eiw

import "context"

// contextChunk is how many events of a batch run between two looks at the
// context.
const contextChunk = 64

// ProcessContext is Process, unless ctx is already done: then it returns
// ctx.Err() without running the module. A call that started is bounded by
// the module's CPU budget (Options.CPUPointsPerCall), not by ctx: eiw
// cannot stop a guest from another goroutine.
func (h *Host) ProcessContext(ctx context.Context, event []byte) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return h.Process(event)
}

// ProcessBatchContext is ProcessBatch that looks at ctx before every 64
// events: once ctx is done, the events not yet run get ctx.Err() as their
// result (the ones before keep theirs), and so does the call.
func (h *Host) ProcessBatchContext(ctx context.Context, events [][]byte) ([]BatchResult, error) {
	out := make([]BatchResult, 0, len(events))
	for start := 0; start < len(events); start += contextChunk {
		if err := ctx.Err(); err != nil {
			for range events[start:] {
				out = append(out, BatchResult{Err: err})
			}
			return out, err
		}
		end := start + contextChunk
		if end > len(events) {
			end = len(events)
		}
		results, err := h.ProcessBatch(events[start:end])
		out = append(out, results...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
