package io.bifrost.it.recovery;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import io.bifrost.gateway.testkit.RecoveryKit;
import io.bifrost.it.Cluster;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.protocol.BifrostSubscriber;
import io.bifrost.protocol.Position;
import io.bifrost.protocol.SubscriberEvent;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.RecoveryKit.assertExactly;
import static io.bifrost.gateway.testkit.RecoveryKit.broadcastAll;
import static io.bifrost.gateway.testkit.RecoveryKit.expectMessages;
import static io.bifrost.gateway.testkit.RecoveryKit.expectNothing;
import static io.bifrost.gateway.testkit.RecoveryKit.expectSubscribed;
import static io.bifrost.gateway.testkit.RecoveryKit.numbers;
import static io.bifrost.gateway.testkit.RecoveryKit.optIn;
import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, acceptance: Redis restarts without persistence, so every channel's history is gone. Positions from before
 * are never resumable ({@code recovered:false}, nothing replayed), on either instance, whether or not the channel has
 * been broadcast to since; broadcasts afterwards carry a new epoch; a socket that stayed connected through the restart
 * is told {@code recovered:false} before the first broadcast of the new epoch.
 */
class RedisRestartEpochIT {
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final Duration BACK = Duration.ofSeconds(30);

    @Test
    void oldPositionsAreRecoveredFalseAfterARestartAndNewBroadcastsHaveANewEpoch() throws Exception {
        try (RedisServer redis = RedisServer.start();
             Cluster cluster = Cluster.start(redis, 2, "restart:", c -> c)) {
            URI a = cluster.get(0).uri();
            URI b = cluster.get(1).uri();
            String quiet = "restart:quiet";
            String busy = "restart:busy";
            List<String> both = List.of(quiet, busy);

            Map<String, Position> before;
            try (BifrostSubscriber first = optIn(a, both, Map.of())) {
                expectSubscribed(first, quiet);
                expectSubscribed(first, busy);
                broadcastAll(a, quiet, 1, 5);
                broadcastAll(b, busy, 1, 5);
                List<SubscriberEvent.Message> got = expectMessages(first, 10);
                assertEquals(10, got.size());
                before = first.positions();
            }
            assertEquals(5, before.get(quiet).offset(), before.toString());
            assertEquals(5, before.get(busy).offset(), before.toString());

            // A socket that stays on instance A through the restart.
            try (BifrostSubscriber stays = optIn(a, List.of(busy), before)) {
                SubscriberEvent.Subscribed ack = expectSubscribed(stays, busy);
                assertEquals(Optional.of(true), ack.recovered(), ack.toString());
                assertEquals(OptionalLong.of(0), ack.missed(), ack.toString());

                redis.stop();
                redis.restart();
                ClusterKit.awaitReady(a, BACK);
                ClusterKit.awaitReady(b, BACK);

                // Nothing broadcast since the restart: the channel has no history at all.
                resumeIsNotRecovered(b, quiet, before);
                resumeIsNotRecovered(a, quiet, before);

                broadcastAll(b, busy, 6, 8);
                // Broadcast since the restart: a new epoch, and the old position is not of it.
                resumeIsNotRecovered(b, busy, before);
                resumeIsNotRecovered(a, busy, before);

                // The socket that stayed: told recovered:false, then the new epoch's broadcasts, none of the old.
                List<SubscriberEvent> events = new ArrayList<>();
                List<SubscriberEvent.Message> messages = new ArrayList<>();
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (messages.size() < 3 && System.nanoTime() < deadline) {
                    Optional<SubscriberEvent> event = stays.next(Duration.ofNanos(Math.max(0,
                            deadline - System.nanoTime())));
                    event.ifPresent(events::add);
                    if (event.orElse(null) instanceof SubscriberEvent.Message m) {
                        messages.add(m);
                    }
                }
                assertExactly(numbers(messages), 6, 8, "the socket that stayed on A through the restart");
                int reset = events.indexOf(new SubscriberEvent.Subscribed(busy, Optional.of(false), OptionalLong.of(0)));
                assertTrue(reset >= 0 && reset < events.indexOf(messages.getFirst()),
                        "no recovered:false before the first broadcast of the new epoch: " + events);
                Position first = messages.getFirst().id().orElseThrow();
                assertNotEquals(before.get(busy).epoch(), first.epoch(), "a new epoch after the restart: " + first);
                assertEquals(1, first.offset(), "a new epoch starts at offset 1: " + first);
                Map<String, Position> after = stays.positions();
                assertEquals(new Position(first.epoch(), 3), after.get(busy), after.toString());

                // Positions of the new epoch resume as usual, on both instances.
                broadcastAll(a, busy, 9, 10);
                for (URI base : List.of(a, b)) {
                    try (BifrostSubscriber resumed = optIn(base, List.of(busy), after)) {
                        SubscriberEvent.Subscribed ack2 = expectSubscribed(resumed, busy);
                        assertEquals(Optional.of(true), ack2.recovered(), base + ": " + ack2);
                        assertEquals(OptionalLong.of(2), ack2.missed(), base + ": " + ack2);
                        List<SubscriberEvent.Message> missed = expectMessages(resumed, 2);
                        assertExactly(numbers(missed), 9, 10, base + ": the new epoch resumed");
                        RecoveryKit.assertPositionsFollow(missed, busy, after.get(busy));
                    }
                }

                // The channel that was quiet gets its own new epoch with its first broadcast.
                try (BifrostSubscriber fresh = optIn(b, List.of(quiet), Map.of())) {
                    expectSubscribed(fresh, quiet);
                    broadcastAll(a, quiet, 6, 6);
                    Position id = expectMessages(fresh, 1).getFirst().id().orElseThrow();
                    assertNotEquals(before.get(quiet).epoch(), id.epoch(), "a new epoch after the restart: " + id);
                }
            }
        }
    }

    private static void resumeIsNotRecovered(URI base, String channel, Map<String, Position> since) throws Exception {
        try (BifrostSubscriber resumed = optIn(base, List.of(channel), since)) {
            SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
            assertEquals(Optional.of(false), ack.recovered(), base + " " + channel + " since " + since + ": " + ack);
            assertEquals(OptionalLong.of(0), ack.missed(), ack.toString());
            expectNothing(resumed, QUIET);
        }
    }
}
