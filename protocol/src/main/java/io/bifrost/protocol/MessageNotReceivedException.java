package io.bifrost.protocol;

import java.time.Duration;
import java.util.List;

/**
 * {@link BifrostSubscriber#awaitMessage} gave up: the message did not come in time, or the connection ended first.
 * The message and {@link #arrived()} say what came instead.
 */
public final class MessageNotReceivedException extends RuntimeException {
    // Enough to see what went wrong without a flood of text; arrived() keeps them all.
    private static final int SHOWN = 20;

    private final String event;
    private final List<SubscriberEvent> arrived;

    /**
     * @param event   the event awaited
     * @param timeout how long it was awaited
     * @param arrived every event taken while waiting, in order
     * @param open    whether the connection was still open when the wait ended
     */
    MessageNotReceivedException(String event, Duration timeout, List<SubscriberEvent> arrived, boolean open) {
        super(message(event, timeout, arrived, open));
        this.event = event;
        this.arrived = List.copyOf(arrived);
    }

    private static String message(String event, Duration timeout, List<SubscriberEvent> arrived, boolean open) {
        StringBuilder text = new StringBuilder("no \"").append(event).append("\" message ")
                .append(open ? "within " + timeout : "before the connection ended")
                .append("; arrived instead: ");
        if (arrived.isEmpty()) {
            text.append("nothing");
        } else {
            text.append(arrived.subList(0, Math.min(SHOWN, arrived.size())));
            if (arrived.size() > SHOWN) {
                text.append(" and ").append(arrived.size() - SHOWN).append(" more");
            }
        }
        return text.toString();
    }

    /**
     * @return the event name that was awaited
     */
    public String event() {
        return event;
    }

    /**
     * @return every event taken from the subscriber while waiting, in order
     */
    public List<SubscriberEvent> arrived() {
        return arrived;
    }
}
