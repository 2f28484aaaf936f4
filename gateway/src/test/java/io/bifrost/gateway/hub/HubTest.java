package io.bifrost.gateway.hub;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubTest {
    private static final Runnable NOTHING = () -> { };

    private final Hub hub = new Hub(new Backlog(1_000));

    @Test
    void onlyTheFirstSubscriberOfAChannelIsReportedAsFirst() {
        assertTrue(hub.add("room", new Recording(), NOTHING));
        assertFalse(hub.add("room", new Recording(), NOTHING));
        assertFalse(hub.add("room", new Recording(), NOTHING));
        assertEquals(3, hub.count("room"));
    }

    @Test
    void aBehindHubHoldsBackOnlyChannelsWithLocalSubscribers() {
        Hub small = new Hub(new Backlog(1));
        small.add("room", new Recording(), NOTHING);
        assertFalse(small.behindOn("room"));
        small.backlog().queued();
        small.backlog().queued();
        assertTrue(small.behindOn("room"));
        assertFalse(small.behindOn("empty"), "a channel nobody here holds adds nothing to the backlog");
    }

    @Test
    void removeReportsEmptyOnlyWhenTheLastSubscriberLeaves() {
        Recording a = new Recording();
        Recording b = new Recording();
        hub.add("room", a, NOTHING);
        hub.add("room", b, NOTHING);

        assertFalse(hub.remove("room", a));
        assertEquals(1, hub.count("room"));
        assertTrue(hub.remove("room", b));
        assertEquals(0, hub.count("room"));
    }

    @Test
    void aChannelEmptiedAndJoinedAgainReportsFirstAgain() {
        Recording a = new Recording();
        hub.add("room", a, NOTHING);
        hub.remove("room", a);

        assertTrue(hub.add("room", new Recording(), NOTHING));
    }

    @Test
    void addingTheSameSubscriberTwiceDeliversToItOnce() {
        Recording a = new Recording();
        hub.add("room", a, NOTHING);
        hub.add("room", a, NOTHING);
        WireFrame frame = WireFrame.text("once");

        assertEquals(1, deliver(hub, "room", frame));
        assertEquals(List.of(frame), a.frames());
        assertTrue(hub.remove("room", a));
    }

    @Test
    void deliverReachesExactlyTheChannelsSubscribers() {
        Recording red1 = new Recording();
        Recording red2 = new Recording();
        Recording blue = new Recording();
        hub.add("red", red1, NOTHING);
        hub.add("red", red2, NOTHING);
        hub.add("blue", blue, NOTHING);
        WireFrame toRed = WireFrame.text("{\"event\":\"red\"}");

        assertEquals(2, deliver(hub, "red", toRed));

        assertEquals(List.of(toRed), red1.frames());
        assertEquals(List.of(toRed), red2.frames());
        assertEquals(List.of(), blue.frames());
        assertSame(toRed, red1.frames().getFirst(), "the frame is shared, not re-encoded per subscriber");
        assertEquals(2, hub.deliveries());
    }

    @Test
    void deliverToAChannelNobodyJoinedReachesNoOne() {
        Recording red = new Recording();
        hub.add("red", red, NOTHING);

        assertEquals(0, deliver(hub, "green", WireFrame.text("x")));
        assertEquals(List.of(), red.frames());
        assertEquals(0, hub.deliveries());
    }

    @Test
    void aSubscriberThatLeftGetsNothingMore() {
        Recording stays = new Recording();
        Recording leaves = new Recording();
        hub.add("room", stays, NOTHING);
        hub.add("room", leaves, NOTHING);
        hub.remove("room", leaves);
        WireFrame frame = WireFrame.text("after");

        assertEquals(1, deliver(hub, "room", frame));
        assertEquals(List.of(frame), stays.frames());
        assertEquals(List.of(), leaves.frames());
    }

    @Test
    void deliveriesAccumulateAcrossChannels() {
        hub.add("a", new Recording(), NOTHING);
        hub.add("a", new Recording(), NOTHING);
        hub.add("b", new Recording(), NOTHING);

        deliver(hub, "a", WireFrame.text("1"));
        deliver(hub, "b", WireFrame.text("2"));
        deliver(hub, "a", WireFrame.text("3"));

        assertEquals(5, hub.deliveries());
    }

    @Test
    void aSubscriberThatRefusesTheFrameIsNotCounted() {
        Recording open = new Recording();
        Recording closing = new Recording(false);
        hub.add("room", open, NOTHING);
        hub.add("room", closing, NOTHING);
        WireFrame frame = WireFrame.text("x");

        assertEquals(1, deliver(hub, "room", frame));
        assertEquals(1, hub.deliveries());
        assertEquals(List.of(frame), open.frames());
        assertEquals(1, closing.offers(), "the closing subscriber was still offered the frame");
    }

    @Test
    void whileAddingRunsOnceWithTheSubscriberAlreadyIn() {
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger countDuringRun = new AtomicInteger(-1);

        hub.add("room", new Recording(), () -> {
            runs.incrementAndGet();
            countDuringRun.set(hub.count("room"));
        });

        assertEquals(1, runs.get());
        assertEquals(1, countDuringRun.get());
    }

    @Test
    @Timeout(10)
    void whatWhileAddingQueuesComesBeforeAConcurrentDelivery() throws Exception {
        Recording subscriber = new Recording();
        WireFrame welcome = WireFrame.text("welcome");
        WireFrame broadcast = WireFrame.text("broadcast");
        AtomicInteger delivered = new AtomicInteger(-1);
        Thread[] deliverer = new Thread[1];

        hub.add("room", subscriber, () -> {
            deliverer[0] = Thread.ofPlatform().start(() -> delivered.set(deliver(hub, "room", broadcast)));
            // The delivery must park on the channel's lock until this runnable returns.
            awaitBlockedOrDone(deliverer[0]);
            subscriber.offer(welcome);
        });
        deliverer[0].join(5_000);

        assertFalse(deliverer[0].isAlive(), "delivery never finished");
        assertEquals(1, delivered.get());
        assertEquals(List.of(welcome, broadcast), subscriber.frames());
    }

    @Test
    void channelsListsExactlyTheChannelsWithSubscribers() {
        Recording a = new Recording();
        hub.add("news", a, NOTHING);
        hub.add("sport", new Recording(), NOTHING);
        hub.add("weather", a, NOTHING);
        hub.remove("weather", a);

        assertEquals(Set.of("news", "sport"), new HashSet<>(hub.channels()));
        assertEquals(2, hub.channels().size());
    }

    @Test
    void anEmptyHubHasNoChannels() {
        assertEquals(List.of(), hub.channels());
    }

    @Test
    void tenThousandChannelsAcrossTheShardsEachWorkAlone() {
        int n = 10_000;
        List<Recording> subscribers = new ArrayList<>(n);
        List<WireFrame> frames = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Recording subscriber = new Recording();
            subscribers.add(subscriber);
            frames.add(WireFrame.text("frame " + i));
            assertTrue(hub.add("user:" + i, subscriber, NOTHING), "user:" + i);
        }
        assertEquals(n, new HashSet<>(hub.channels()).size());
        assertEquals(n, hub.channels().size());

        for (int i = 0; i < n; i++) {
            assertEquals(1, deliver(hub, "user:" + i, frames.get(i)), "user:" + i);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(List.of(frames.get(i)), subscribers.get(i).frames(), "user:" + i);
        }
        assertEquals(n, hub.deliveries());

        for (int i = 0; i < n; i++) {
            assertTrue(hub.remove("user:" + i, subscribers.get(i)), "user:" + i);
        }
        assertEquals(List.of(), hub.channels());
    }

    /**
     * Each thread joins fresh subscribers to shared channels, delivers, and makes every other batch leave again,
     * so the survivors per channel are known exactly however the threads interleave.
     */
    @Test
    @Timeout(60)
    void concurrentJoinsLeavesAndDeliveriesKeepExactCounts() throws Exception {
        int threads = 4;
        int opsPerThread = 10_000;
        int channels = 64;
        List<Counting> everyone = Collections.synchronizedList(new ArrayList<>());
        List<Counting> survivors = Collections.synchronizedList(new ArrayList<>());
        AtomicLong deliveredByCalls = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                work.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < opsPerThread; i++) {
                        String channel = "room:" + (i % channels);
                        Counting subscriber = new Counting();
                        everyone.add(subscriber);
                        hub.add(channel, subscriber, NOTHING);
                        deliveredByCalls.addAndGet(deliver(hub, channel, WireFrame.text("op " + i)));
                        // This thread's own delivery came after its join, so it must have arrived.
                        if (subscriber.received() < 1) {
                            throw new AssertionError("subscriber on " + channel + " missed a delivery after joining");
                        }
                        if (leaves(i, channels)) {
                            hub.remove(channel, subscriber);
                        } else {
                            survivors.add(subscriber);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : work) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        for (int c = 0; c < channels; c++) {
            int stayingPerThread = 0;
            for (int i = c; i < opsPerThread; i += channels) {
                stayingPerThread += leaves(i, channels) ? 0 : 1;
            }
            assertEquals(stayingPerThread * threads, hub.count("room:" + c), "room:" + c);
        }
        assertEquals(channels, new HashSet<>(hub.channels()).size());
        assertEquals(channels, hub.channels().size());
        long received = everyone.stream().mapToLong(Counting::received).sum();
        assertEquals(deliveredByCalls.get(), hub.deliveries(), "deliveries() disagrees with deliver()'s returns");
        assertEquals(received, hub.deliveries(), "subscribers received a different number of frames");

        // A last delivery reaches exactly the survivors.
        long before = hub.deliveries();
        int total = 0;
        for (int c = 0; c < channels; c++) {
            total += deliver(hub, "room:" + c, WireFrame.text("last"));
        }
        assertEquals(survivors.size(), total);
        assertEquals(before + survivors.size(), hub.deliveries());
        assertEquals(before + survivors.size(), everyone.stream().mapToLong(Counting::received).sum());
    }

    /** Every other round over the channels leaves again. */
    private static boolean leaves(int op, int channels) {
        return (op / channels) % 2 == 0;
    }

    private static void awaitBlockedOrDone(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Thread.State state = thread.getState();
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING
                    || state == Thread.State.TERMINATED) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("delivering thread neither blocked nor finished: " + thread.getState());
    }

    // Each broadcast at the next position of its channel, as a bus would hand it to the hub.
    private static int deliver(Hub hub, String channel, WireFrame frame) {
        return hub.deliver(new Delivery(channel, "test", 1, frame, 0));
    }

    /** A subscriber that keeps every frame it accepts, in order. */
    private static final class Recording implements Subscriber {
        private final boolean accepts;
        private final List<WireFrame> frames = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger offers = new AtomicInteger();

        Recording() {
            this(true);
        }

        Recording(boolean accepts) {
            this.accepts = accepts;
        }

        @Override
        public boolean offer(Delivery delivery) {
            return offer(delivery.core());
        }

        boolean offer(WireFrame frame) {
            offers.incrementAndGet();
            if (accepts) {
                frames.add(frame);
            }
            return accepts;
        }

        @Override
        public boolean closed() {
            return false;
        }

        @Override
        public void resumed(String channel, boolean recovered, List<Delivery> missed) {
            missed.forEach(this::offer);
        }

        @Override
        public void reset(String channel) {
        }

        List<WireFrame> frames() {
            synchronized (frames) {
                return List.copyOf(frames);
            }
        }

        int offers() {
            return offers.get();
        }
    }

    /** A subscriber that only counts, for runs with millions of deliveries. */
    private static final class Counting implements Subscriber {
        private final AtomicInteger received = new AtomicInteger();

        @Override
        public boolean offer(Delivery delivery) {
            received.incrementAndGet();
            return true;
        }

        @Override
        public boolean closed() {
            return false;
        }

        @Override
        public void resumed(String channel, boolean recovered, List<Delivery> missed) {
        }

        @Override
        public void reset(String channel) {
        }

        int received() {
            return received.get();
        }
    }

    @Test
    void channelsSpreadEvenlyOverShardsAndOverEachShardsBuckets() {
        for (String scheme : List.of("user:", "bench:", "room-", "org/42/user/", "")) {
            int channels = 20_000;
            List<List<String>> byShard = new ArrayList<>();
            for (int i = 0; i < Hub.shards(); i++) {
                byShard.add(new ArrayList<>());
            }
            for (int i = 0; i < channels; i++) {
                byShard.get(Hub.shardOf(scheme + i)).add(scheme + i);
            }
            int fair = channels / Hub.shards();
            for (List<String> shard : byShard) {
                assertTrue(shard.size() > fair / 2 && shard.size() < fair * 3 / 2,
                        "'" + scheme + "N': a shard with " + shard.size() + " of " + channels + " channels");
                // Where HashMap puts them: a bin of 8 or more becomes a tree, which the shard's map must never need.
                int capacity = 16;
                while (capacity * 0.75 < shard.size()) {
                    capacity <<= 1;
                }
                int[] bins = new int[capacity];
                int fullest = 0;
                for (String channel : shard) {
                    int h = channel.hashCode();
                    fullest = Math.max(fullest, ++bins[(h ^ (h >>> 16)) & (capacity - 1)]);
                }
                assertTrue(fullest < 8, "'" + scheme + "N': " + fullest + " channels in one bucket of a shard");
            }
        }
    }
}
