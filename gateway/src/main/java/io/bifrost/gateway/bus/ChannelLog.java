package io.bifrost.gateway.bus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import io.bifrost.gateway.hub.Delivery;
import io.bifrost.gateway.hub.WireFrame;

/**
 * One channel's positions and history on the in-process bus: what Redis keeps per channel in cluster mode, with the
 * same rules (a bounded count, an age, a new epoch once the history is gone). Guarded by its lock, which also orders
 * the channel's deliveries and the sockets resuming on it.
 */
final class ChannelLog {
    private final String channel;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Delivery> history = new ArrayDeque<>();
    private String epoch = Epochs.fresh();
    private long last;
    private long lastPublishedMillis;

    ChannelLog(String channel) {
        this.channel = channel;
    }

    ReentrantLock lock() {
        return lock;
    }

    String epoch() {
        return epoch;
    }

    long last() {
        return last;
    }

    /**
     * Assigns the next position and keeps the broadcast. Call with the lock held.
     */
    Delivery append(WireFrame frame, long nowMillis, int size, long ageMillis) {
        if (last > 0 && nowMillis - lastPublishedMillis > ageMillis) {
            // Idle past the history's age: its history is gone, and with it the epoch (as with Redis, where both
            // expire together).
            epoch = Epochs.fresh();
            last = 0;
            history.clear();
        }
        last++;
        lastPublishedMillis = nowMillis;
        Delivery delivery = new Delivery(channel, epoch, last, frame, nowMillis * 1000);
        if (size > 0) {
            history.addLast(delivery);
            while (history.size() > size) {
                history.removeFirst();
            }
        }
        return delivery;
    }

    /**
     * Broadcasts in {@code (after, upTo]}, if the history still holds all of them young enough. Call with the lock
     * held.
     */
    Optional<List<Delivery>> range(long after, long upTo, long nowMillis, long ageMillis) {
        List<Delivery> out = new ArrayList<>((int) Math.min(upTo - after, history.size()));
        Iterator<Delivery> it = history.iterator();
        while (it.hasNext()) {
            Delivery d = it.next();
            if (d.offset() > after && d.offset() <= upTo) {
                out.add(d);
            }
        }
        boolean whole = out.size() == upTo - after && (out.isEmpty() || out.getFirst().offset() == after + 1);
        boolean young = out.isEmpty() || nowMillis - out.getFirst().publishedMicros() / 1000 <= ageMillis;
        return whole && young ? Optional.of(out) : Optional.empty();
    }

    /**
     * @return true if the channel's history has aged out and nothing is kept for it
     */
    boolean expired(long nowMillis, long ageMillis) {
        return nowMillis - lastPublishedMillis > ageMillis;
    }
}
