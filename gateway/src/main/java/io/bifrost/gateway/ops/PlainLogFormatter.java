package io.bifrost.gateway.ops;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One line per record ({@code BIFROST_LOG_FORMAT=plain}, the default):
 * {@code 2026-11-29T19:57:10.123Z INFO io.bifrost.gateway.Gateway: message}, and after the message a thrown
 * exception's stack trace. Control characters in the message and the trace are escaped ({@link LogText#escape}), so
 * no text, whoever wrote it, can end the line and forge the next one; the trace's own line breaks read {@code \n}.
 */
public final class PlainLogFormatter extends Formatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(128)
                .append(TIME.format(record.getInstant())).append(' ')
                .append(record.getLevel().getName()).append(' ')
                .append(LogText.escape(String.valueOf(record.getLoggerName()))).append(": ")
                .append(LogText.escape(String.valueOf(formatMessage(record))));
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append(LogText.escape("\n" + trace.toString().stripTrailing()));
        }
        return line.append(System.lineSeparator()).toString();
    }
}
