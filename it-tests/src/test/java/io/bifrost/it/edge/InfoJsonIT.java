package io.bifrost.it.edge;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import io.bifrost.it.GatewayProcess;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.it.redis.RedisServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.bifrost.it.edge.Edge.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 11: {@code /info.json} is public, so it must cost Redis nothing per request; cluster counts come from what
 * the heartbeat already keeps. Measured on Redis itself: the commands it processes during 500 requests, against the
 * same stretch of time with none.
 */
class InfoJsonIT {
    private static final long WINDOW_MILLIS = 2000;

    @Test
    void fiveHundredRequestsCostRedisNoCommandsBeyondTheHeartbeat(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServers.start(RedisServers.Kind.PROCESS, RedisServers.Tls.NONE);
             GatewayProcess gateway = GatewayProcess.start(Edge.production("REDIS_URL", redis.url()), dir);
             HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest info = HttpRequest.newBuilder(gateway.uri().resolve("/info.json")).timeout(WAIT).build();
            assertEquals(200, http.send(info, HttpResponse.BodyHandlers.ofString()).statusCode());

            long idle = commandsDuring(redis, () -> { });
            long[] served = {0};
            long busy = commandsDuring(redis, () -> {
                for (int i = 0; i < 500; i++) {
                    HttpResponse<String> answer = http.send(info, HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, answer.statusCode(), answer.body());
                    served[0]++;
                }
            });

            assertEquals(500, served[0]);
            // The heartbeat and count flushes run either way; 500 requests with a round trip each would add 500+.
            assertTrue(busy - idle < 50, "Redis processed " + busy + " commands during 500 /info.json requests and "
                    + idle + " in the same time idle");
        }
    }

    /** Redis commands processed while the action runs, over a window of at least two seconds. */
    private static long commandsDuring(RedisServer redis, Action action) throws Exception {
        long start = System.nanoTime();
        long before = commandsProcessed(redis);
        action.run();
        long left = WINDOW_MILLIS - (System.nanoTime() - start) / 1_000_000;
        if (left > 0) {
            Thread.sleep(left);
        }
        // Minus the INFO that read the count before.
        return commandsProcessed(redis) - before - 1;
    }

    private static long commandsProcessed(RedisServer redis) {
        String stats = redis.command("INFO", "stats");
        return stats.lines().filter(l -> l.startsWith("total_commands_processed:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no total_commands_processed in INFO:\n" + stats));
    }

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }
}
