package io.bifrost.gateway.ops;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

import io.bifrost.protocol.Json;

/**
 * One JSON object per log line ({@code BIFROST_LOG_FORMAT=json}), for log pipelines that parse fields:
 * {@code {"time":"...","level":"INFO","logger":"...","message":"..."}} plus {@code "error"} with a stack trace.
 * No control character is written raw: a message can never end the line.
 */
public final class JsonLogFormatter extends Formatter {
    @Override
    public String format(LogRecord record) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.ofEpochMilli(record.getMillis()).toString());
        line.put("level", record.getLevel().getName());
        line.put("logger", record.getLoggerName());
        line.put("message", formatMessage(record));
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.put("error", trace.toString());
        }
        // JSON escapes C0 controls itself; DEL, C1 and U+2028/U+2029 it leaves raw, and they can only stand inside
        // strings, where LogText's \\uXXXX is the JSON escape: the line stays one line and valid JSON.
        return LogText.escape(Json.write(line)) + System.lineSeparator();
    }
}
