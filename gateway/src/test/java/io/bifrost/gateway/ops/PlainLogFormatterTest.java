package io.bifrost.gateway.ops;

import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlainLogFormatterTest {

    private static LogRecord record(Level level, String message) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName("io.bifrost.gateway.http.BroadcastHandler");
        record.setInstant(Instant.parse("2026-11-29T19:57:10.123456Z"));
        return record;
    }

    @Test
    void aRecordIsOneLineInTheFormatOfBefore() {
        assertEquals("2026-11-29T19:57:10.123Z INFO io.bifrost.gateway.http.BroadcastHandler: broadcast refused: expired"
                + System.lineSeparator(), new PlainLogFormatter().format(record(Level.INFO, "broadcast refused: expired")));
    }

    @Test
    void aForgedLineInAMessageStaysOnTheLineItWasWrittenIn() {
        String line = new PlainLogFormatter().format(record(Level.INFO,
                "broadcast refused: token is signed with x\nFAKE 2026-01-01 SEVERE forged\r\u0085\u2028"));

        assertEquals(1, line.lines().count(), line);
        assertEquals("2026-11-29T19:57:10.123Z INFO io.bifrost.gateway.http.BroadcastHandler: broadcast refused: token is"
                + " signed with x\\nFAKE 2026-01-01 SEVERE forged\\r\\u0085\\u2028" + System.lineSeparator(), line);
    }

    @Test
    void aThrownExceptionFollowsTheMessageOnTheSameLineEscaped() {
        LogRecord record = record(Level.WARNING, "maintenance failed");
        record.setThrown(new IllegalStateException("boom\nFAKE 2026-01-01 SEVERE forged"));

        String line = new PlainLogFormatter().format(record);

        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("2026-11-29T19:57:10.123Z WARNING io.bifrost.gateway.http.BroadcastHandler:"
                + " maintenance failed\\njava.lang.IllegalStateException: boom\\nFAKE 2026-01-01 SEVERE forged\\n\\tat "
                + PlainLogFormatterTest.class.getName()), line);
        assertTrue(line.endsWith(")" + System.lineSeparator()), line);
    }

    @Test
    void timeIsUtcWhateverTheDefaultZone() {
        java.util.TimeZone before = java.util.TimeZone.getDefault();
        try {
            java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("Asia/Kolkata"));
            assertTrue(new PlainLogFormatter().format(record(Level.INFO, "x")).startsWith("2026-11-29T19:57:10.123Z "));
        } finally {
            java.util.TimeZone.setDefault(before);
        }
    }
}
