/* A syslog-ng message and an eiw msgpack record, both ways
 * (docs/INTEGRATIONS.md: the mapping). */
#ifndef EIW_SYSLOG_NG_MAPPING_H
#define EIW_SYSLOG_NG_MAPPING_H

#include "syslog-ng.h"
#include "logmsg/logmsg.h"

#include <msgpack.h>

/* Packs msg as [EventTime, {fields}]: its name-value pairs as fields,
 * dotted names as nested maps, the message time as the event time. */
void mapping_message_to_record(LogMessage *msg, msgpack_sbuffer *out);

/* Writes an emitted record back onto msg, which must be the message the
 * record was made from: every field under its dotted name, the event time
 * as the message time; the names the record no longer has are unset.
 * FALSE if the record is not one eiw emits: unchanged when its shape is
 * wrong, the fields before a value it cannot hold written. */
gboolean mapping_record_to_message(const char *data, size_t len, LogMessage *msg);

#endif
