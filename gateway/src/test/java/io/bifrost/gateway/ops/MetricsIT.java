package io.bifrost.gateway.ops;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.get;
import static io.bifrost.gateway.testkit.TestGateway.post;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsIT {

    @Test
    void metricsMoveWithSocketsBroadcastsRefusalsAndAuthFailures() throws Exception {
        try (Gateway gateway = TestGateway.start(Limits.DEFAULTS.withMaxBodyBytes(1024));
             WsClient one = subscriber(gateway, "m:a", "m:b");
             WsClient two = subscriber(gateway, "m:a")) {
            assertEquals(200, broadcast(gateway, "m:a", "e", "1").status());
            assertEquals(200, broadcast(gateway, "m:b", "e", "2").status());
            assertEquals(400, post(gateway.uri(), "text/plain", "x").status());
            assertEquals(413, post(gateway.uri(), "application/json", "x".repeat(2000)).status());
            assertEquals(400, post(gateway.uri(), "application/json", "{\"token\":\"a.b.c\"}").status());
            try (WsClient bad = WsClient.connect(gateway.uri())) {
                bad.authenticate("nope");
                assertEquals(1008, bad.awaitClose(WAIT).code());
            }
            one.nextText(WAIT);
            one.nextText(WAIT);
            two.nextText(WAIT);

            TestGateway.Reply reply = get(gateway.uri(), "/metrics");
            assertEquals(200, reply.status());
            assertTrue(reply.contentType().startsWith("text/plain; version=0.0.4"), reply.contentType());
            String text = reply.body();
            assertEquals(2, value(text, "bifrost_sessions_authenticated"));
            assertEquals(2, value(text, "bifrost_channels"));
            assertEquals(3, value(text, "bifrost_subscriptions"));
            assertEquals(3, value(text, "bifrost_deliveries_total"));
            assertEquals(2, value(text, "bifrost_broadcasts_accepted_total"));
            assertEquals(1, value(text, "bifrost_broadcasts_refused_total{reason=\"bad_request\"}"));
            assertEquals(1, value(text, "bifrost_broadcasts_refused_total{reason=\"too_large\"}"));
            assertEquals(1, value(text, "bifrost_broadcasts_refused_total{reason=\"bad_token\"}"));
            assertEquals(0, value(text, "bifrost_broadcasts_refused_total{reason=\"unavailable\"}"));
            assertEquals(1, value(text, "bifrost_auth_failures_total{reason=\"malformed\"}"));
            assertEquals(5, value(text, "bifrost_broadcast_request_seconds_count"));
            assertEquals(2, value(text, "bifrost_publish_to_delivery_seconds_count"));
            assertEquals(1, value(text, "bifrost_bus_up"));
            assertEquals(0, value(text, "bifrost_draining"));
            assertTrue(text.contains("# TYPE bifrost_broadcast_request_seconds histogram"), text);
            assertTrue(text.contains("bifrost_broadcast_request_seconds_bucket{le=\"+Inf\"} 5"), text);
        }
    }

    @Test
    void everyMetricTheOperationsTableListsIsExposedWithTheJvmOnesBeside() throws Exception {
        java.nio.file.Path table = java.nio.file.Path.of("..", "docs", "OPERATIONS.md");
        java.util.List<String> documented = new java.util.ArrayList<>();
        Matcher row = Pattern.compile("(?m)^\\| `(bifrost_[a-z_]+)(\\{[a-z,]+})?` \\| (gauge|counter|histogram) \\|")
                .matcher(java.nio.file.Files.readString(table));
        while (row.find()) {
            documented.add(row.group(3) + " " + row.group(1));
        }
        assertTrue(documented.size() >= 30, "the metrics table lost rows: " + documented);
        try (Gateway gateway = TestGateway.start()) {
            String text = get(gateway.uri(), "/metrics").body();
            for (String typeAndName : documented) {
                String[] parts = typeAndName.split(" ");
                assertTrue(text.contains("# TYPE " + parts[1] + " " + parts[0] + "\n"), typeAndName + " missing:\n"
                        + text);
            }
            for (String jvm : java.util.List.of("jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total",
                    "jvm_threads_live_threads", "jvm_classes_loaded_classes", "process_uptime_seconds")) {
                assertTrue(text.contains("# TYPE " + jvm + " "), jvm + " missing:\n" + text);
            }
        }
    }

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(text);
        assertTrue(m.find(), "no " + series + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }
}
