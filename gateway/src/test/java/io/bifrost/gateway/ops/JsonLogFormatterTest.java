package io.bifrost.gateway.ops;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import io.bifrost.protocol.Json;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLogFormatterTest {

    @Test
    void eachRecordIsOneJsonObjectOnOneLine() throws Exception {
        LogRecord record = new LogRecord(Level.WARNING, "Redis connection lost (\"a\"\nb)");
        record.setLoggerName("io.bifrost.gateway.bus.RedisBus");
        record.setInstant(java.time.Instant.parse("2026-11-22T07:00:00Z"));

        String line = new JsonLogFormatter().format(record);

        assertTrue(line.endsWith(System.lineSeparator()));
        assertEquals(1, line.lines().count(), line);
        Map<String, Object> json = Json.parseObject(line.strip());
        assertEquals("2026-11-22T07:00:00Z", json.get("time"));
        assertEquals("WARNING", json.get("level"));
        assertEquals("io.bifrost.gateway.bus.RedisBus", json.get("logger"));
        assertEquals("Redis connection lost (\"a\"\nb)", json.get("message"));
    }

    @Test
    void aThrowableTravelsAsItsStackTraceInOneField() throws Exception {
        LogRecord record = new LogRecord(Level.SEVERE, "failed");
        record.setThrown(new IllegalStateException("boom"));

        Map<String, Object> json = Json.parseObject(new JsonLogFormatter().format(record).strip());

        assertTrue(((String) json.get("error")).startsWith("java.lang.IllegalStateException: boom"), json.toString());
    }

    @Test
    void noControlCharacterIsWrittenRawYetTheMessageReadsBackAsItWas() throws Exception {
        String message = "refused: x\nFAKE 2026-01-01 SEVERE forged\r\u0000\u007f\u0085\u009b\u2028\u2029\u202e end";
        LogRecord record = new LogRecord(Level.INFO, message);

        String line = new JsonLogFormatter().format(record);

        String body = line.substring(0, line.length() - System.lineSeparator().length());
        assertTrue(body.chars().allMatch(c -> c >= 0x20 && (c < 0x7F || c > 0x9F) && c != 0x2028 && c != 0x2029
                && c != 0x202E), body);
        assertEquals(message, Json.parseObject(body).get("message"));
    }
}
