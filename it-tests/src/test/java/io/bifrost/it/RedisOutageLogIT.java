package io.bifrost.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.bifrost.gateway.http.BroadcastHandler;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.it.redis.RedisServer;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * While Redis is away, a publisher that keeps broadcasting gets a 503 of ours each time (not the Redis client's
 * text), and the log gets one WARNING for all of them, not one per request.
 */
class RedisOutageLogIT {
    private static final Duration OUTAGE_WAIT = Duration.ofSeconds(20);
    private static final String UNAVAILABLE = "{\"error\":\"the message bus (Redis) is unavailable; the broadcast was not"
            + " sent, retry after 1 s\"}";

    @Test
    void refusedBroadcastsDuringAnOutageGetOneWarningAndOurText() throws Exception {
        List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    records.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(BroadcastHandler.class.getName());
        logger.addHandler(capture);
        try (RedisServer redis = RedisServer.start();
             Cluster cluster = Cluster.start(redis, 1)) {
            assertEquals(200, broadcast(cluster.get(0).uri(), "c", "e", "before").status());

            redis.stop();
            // Until the instance notices, a broadcast may still be taken or time out; then every one is refused.
            long deadline = System.nanoTime() + OUTAGE_WAIT.toNanos();
            int refused = 0;
            while (refused < 20 && System.nanoTime() < deadline) {
                TestGateway.Reply reply = broadcast(cluster.get(0).uri(), "c", "e", "during");
                if (reply.status() == 503 && reply.body().equals(UNAVAILABLE)) {
                    refused++;
                } else {
                    refused = 0;
                }
            }

            assertEquals(20, refused, "20 broadcasts in a row refused with " + UNAVAILABLE);
        } finally {
            logger.removeHandler(capture);
        }
        List<String> warnings = records.stream().map(LogRecord::getMessage).toList();
        assertEquals(1, warnings.size(), String.join("\n", warnings));
        assertTrue(warnings.getFirst().startsWith("broadcast to c refused: "), warnings.getFirst());
    }
}
