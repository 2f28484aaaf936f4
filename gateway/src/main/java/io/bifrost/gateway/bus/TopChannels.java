package io.bifrost.gateway.bus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Keeps the n channels with the most sockets of those offered, in memory bounded by n however many are offered.
 */
final class TopChannels {
    private static final Comparator<Bus.ChannelCount> FEWEST_FIRST = Comparator
            .comparingLong(Bus.ChannelCount::sockets).thenComparing(Bus.ChannelCount::channel, Comparator.reverseOrder());

    private final int n;
    private final PriorityQueue<Bus.ChannelCount> kept = new PriorityQueue<>(FEWEST_FIRST);

    TopChannels(int n) {
        this.n = n;
    }

    void offer(String channel, long sockets) {
        if (sockets <= 0 || n <= 0) {
            return;
        }
        Bus.ChannelCount candidate = new Bus.ChannelCount(channel, sockets);
        if (kept.size() < n) {
            kept.add(candidate);
        } else if (FEWEST_FIRST.compare(candidate, kept.peek()) > 0) {
            kept.poll();
            kept.add(candidate);
        }
    }

    /** @return the kept channels, most sockets first (ties by name) */
    List<Bus.ChannelCount> list() {
        List<Bus.ChannelCount> out = new ArrayList<>(kept);
        out.sort(FEWEST_FIRST.reversed());
        return out;
    }
}
