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

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(text);
        assertTrue(m.find(), "no " + series + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }
}
