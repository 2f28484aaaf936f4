package io.bifrost.it;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.bus.BusUnavailableException;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.protocol.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Helpers for the fault-injection tests (Redis outage, instance kill, TLS): speaking to gateways by URI (so separate
 * processes and in-process gateways are driven alike), bounded waits, and checks of what sockets received.
 */
public final class FaultKit {
    private FaultKit() {
    }

    /** The exact frame a socket gets for {@code {"event":event,"data":data}}. */
    static String frame(String event, String data) {
        return "{\"event\":\"" + event + "\",\"data\":\"" + data + "\"}";
    }

    /**
     * Starts gateway processes in parallel (each JVM takes seconds to start); if any fails, the others are stopped.
     */
    static List<GatewayProcess> startProcesses(List<Map<String, String>> envs, List<Path> dirs) throws Exception {
        List<CompletableFuture<GatewayProcess>> starting = new ArrayList<>();
        // One thread each: the common pool may have a single thread on a small machine.
        java.util.concurrent.Executor perTask = task -> Thread.ofVirtual().name("gateway-start").start(task);
        for (int i = 0; i < envs.size(); i++) {
            Map<String, String> env = envs.get(i);
            Path dir = dirs.get(i);
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return GatewayProcess.start(env, dir);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, perTask));
        }
        List<GatewayProcess> started = new ArrayList<>();
        Exception failure = null;
        for (CompletableFuture<GatewayProcess> future : starting) {
            try {
                started.add(future.get(60, TimeUnit.SECONDS));
            } catch (ExecutionException | TimeoutException e) {
                failure = failure == null ? e : failure;
                // Should it still come up later, stop it then.
                future.thenAccept(GatewayProcess::close);
            }
        }
        if (failure != null) {
            for (GatewayProcess process : started) {
                process.close();
            }
            throw failure;
        }
        return started;
    }

    /** The cluster-wide {@code stats.connected} of {@code /info.json}. */
    static long connected(URI base) {
        return ((Number) ((Map<?, ?>) stats(base).get("stats")).get("connected")).longValue();
    }

    /**
     * Polls {@code /info.json} (bounded) until its cluster-wide {@code connected} is {@code expected}.
     *
     * @return the whole {@code /info.json} as last read
     */
    static Map<String, Object> awaitConnected(URI base, long expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> info = Map.of();
        while (System.nanoTime() < deadline) {
            info = stats(base);
            if (((Number) ((Map<?, ?>) info.get("stats")).get("connected")).longValue() == expected) {
                return info;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("/info.json connected of " + base + " never reached " + expected + " within "
                + timeout + "; last " + info);
    }

    /** {@code /info.json} parsed. */
    static Map<String, Object> stats(URI base) {
        TestGateway.Reply reply = TestGateway.get(base, "/info.json");
        assertEquals(200, reply.status(), reply.body());
        return json(reply.body());
    }

    /** Parses a JSON object, failing the test (not throwing a checked exception) when it is not one. */
    static Map<String, Object> json(String text) {
        try {
            return Json.parseObject(text);
        } catch (io.bifrost.protocol.InvalidJsonException e) {
            throw new AssertionError("not a JSON object: " + text, e);
        }
    }

    /** Polls (bounded) until every gateway's exact cluster count for the channel is the expected one. */
    public static void awaitClusterCount(Collection<Gateway> gateways, String channel, int expected,
                                         Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> last = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            last.clear();
            boolean all = true;
            for (Gateway gateway : gateways) {
                int count;
                try {
                    count = gateway.subscribers(channel);
                } catch (BusUnavailableException e) {
                    count = -1;
                }
                last.add(gateway.uri() + "=" + count);
                all &= count == expected;
            }
            if (all) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("cluster count of " + channel + " never reached " + expected + " within " + timeout
                + "; last seen " + last);
    }

    /**
     * Reads text frames until {@code last} arrives (inclusive) or the bounded wait ends; a close frame or EOF fails.
     */
    static List<String> readThrough(WsClient client, String last, Duration timeout) throws IOException {
        List<String> frames = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("no " + last + " within " + timeout + "; got " + frames);
            }
            String text;
            try {
                text = client.nextText(Duration.ofMillis(left));
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("no " + last + " within " + timeout + "; got " + frames, e);
            }
            frames.add(text);
            if (text.equals(last)) {
                return frames;
            }
        }
    }

    /**
     * Checks what one socket received: every accepted broadcast exactly once and in order; refused ones (503) may
     * appear at most once each (a command that timed out may still have run in Redis), nothing else may.
     */
    static void assertReceived(String who, List<String> received, List<String> accepted, Collection<String> refused) {
        Set<String> seen = new HashSet<>();
        for (String frame : received) {
            assertTrue(seen.add(frame), who + " received " + frame + " twice: " + received);
            assertTrue(accepted.contains(frame) || refused.contains(frame),
                    who + " received " + frame + " that was never broadcast: " + received);
        }
        List<String> acceptedReceived = received.stream().filter(accepted::contains).toList();
        assertEquals(accepted, acceptedReceived, who + " lost or reordered accepted (200) broadcasts; all frames: "
                + received);
    }
}
