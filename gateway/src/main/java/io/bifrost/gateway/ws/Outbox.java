package io.bifrost.gateway.ws;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.bifrost.gateway.hub.Backlog;
import io.bifrost.gateway.hub.WireFrame;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;

/**
 * What one socket is sent: a bounded, lock-free queue and the single writer that empties it.
 *
 * <p>A writer task runs only while there is something to write, and writes every frame waiting in one socket write.
 * A frame for an idle socket skips the queue and is handed to the writer it starts. Past the byte limit nothing more
 * is queued and the owner is told once, so a fan-out never waits for a socket that stopped reading.
 *
 * <p>The close frame is the last thing written: it follows what was queued before it (or replaces it, for a slow
 * consumer), and the writer drops anything that comes after, so no data frame can ever follow a close frame.
 */
final class Outbox {
    /** Frames coalesced into one socket write at most; bounds the copy made for the write. */
    private static final int MAX_BATCH_BYTES = 256 * 1024;
    /** A write blocked this long means the socket is not reading (a writable socket's write returns at once). */
    private static final long STALLED_AFTER_NANOS = 200_000_000L;

    /** What the session learns from its outbox. */
    interface Owner {
        /** The queue passed its byte limit: the socket is not reading. Called once. */
        void overflowed();

        /** The close frame was written. */
        void closeSent();

        /** A write failed: the connection is gone. */
        void writeFailed();
    }

    private final DataWriter socket;
    private final Backlog backlog;
    private final Executor writers;
    private final long limitBytes;
    private final Owner owner;

    private final ConcurrentLinkedQueue<WireFrame> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicBoolean overflowed = new AtomicBoolean();
    private final AtomicReference<WireFrame> closeFrame = new AtomicReference<>();
    private final CountDownLatch closeWritten = new CountDownLatch(1);
    private final Runnable drainTask = () -> drain(null);
    // Only the writer sets it; once set, nothing more is written.
    private volatile boolean closeSent;
    // When the write in progress began (0: none) and how many frames it carries: a socket whose write has been
    // blocked for a while is not reading, and what it holds is not the gateway's lag (see Backlog).
    private volatile long writeStartedNanos;
    private volatile int writeFrames;

    Outbox(DataWriter socket, Backlog backlog, Executor writers, long limitBytes, Owner owner) {
        this.socket = socket;
        this.backlog = backlog;
        this.writers = writers;
        this.limitBytes = limitBytes;
        this.owner = owner;
    }

    /**
     * Queues a frame without blocking.
     *
     * @param frame the frame, shared with other sockets
     * @return true if queued; false once the close frame is queued or the queue overflowed
     */
    boolean offer(WireFrame frame) {
        if (closeFrame.get() != null || overflowed.get()) {
            return false;
        }
        if (queuedBytes.addAndGet(frame.size()) > limitBytes) {
            queuedBytes.addAndGet(-frame.size());
            if (overflowed.compareAndSet(false, true)) {
                owner.overflowed();
            }
            return false;
        }
        // Counted before it is visible to the writer, so the count never runs below what is queued.
        backlog.queued();
        if (queue.isEmpty() && writing.compareAndSet(false, true)) {
            // Nothing waiting, no writer: the frame goes straight to a new writer and never into the queue, whose
            // nodes would be young objects linked from this long-lived session, one more card for every young
            // collection to scan. Frames queued meanwhile are written after it.
            writers.execute(() -> drain(frame));
            return true;
        }
        queue.add(frame);
        startWriter();
        return true;
    }

    /**
     * Queues the close frame: written after what is queued, or instead of it. Only the first call counts.
     *
     * @param frame      the close frame
     * @param dropQueued true to drop what is queued (a socket that is not reading would never take it)
     */
    void close(WireFrame frame, boolean dropQueued) {
        if (!closeFrame.compareAndSet(null, frame)) {
            return;
        }
        if (dropQueued) {
            dropQueue();
        }
        startWriter();
    }

    /**
     * The connection is gone: nothing more is written, and what was queued is dropped.
     */
    void discard() {
        closeSent = true;
        closeWritten.countDown();
        dropQueue();
    }

    /**
     * @return true once the close frame was written (or the connection is gone)
     */
    boolean closeSent() {
        return closeSent;
    }

    /**
     * Waits for the close frame to be written.
     *
     * @param timeoutNanos how long at most
     * @return true if it was
     */
    boolean awaitCloseSent(long timeoutNanos) {
        try {
            return closeWritten.await(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * @param now the maintenance tick's time
     * @return frames held if the write in progress has been blocked since before the last tick, else 0
     */
    long stalledFrames(long now) {
        long started = writeStartedNanos;
        if (started == 0 || now - started < STALLED_AFTER_NANOS) {
            return 0;
        }
        return writeFrames + (long) queue.size();
    }

    private void startWriter() {
        if (writing.compareAndSet(false, true)) {
            writers.execute(drainTask);
        }
    }

    private void drain(WireFrame handed) {
        try {
            // A handed frame goes first, with whatever queued behind it while this writer started.
            WireFrame first = handed;
            while (true) {
                if (first == null) {
                    first = queue.poll();
                }
                if (first != null && closeSent) {
                    // Nothing follows a close frame: frames that raced with it are dropped, never written.
                    finished(first.size(), 1);
                    first = null;
                    continue;
                }
                if (first == null) {
                    WireFrame close = closeFrame.get();
                    if (close != null && !closeSent) {
                        socket.writeNow(BufferData.create(close.bytes()));
                        closeSent = true;
                        closeWritten.countDown();
                        owner.closeSent();
                    }
                    writing.set(false);
                    // A frame (or the close) queued after the poll but before the flag was cleared would otherwise
                    // wait forever.
                    boolean more = !queue.isEmpty() || closeFrame.get() != null && !closeSent;
                    if (!more || !writing.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                WireFrame second = queue.poll();
                if (second == null) {
                    // The common case when the socket keeps up: one frame, written from its shared bytes.
                    write(first.bytes(), 1, first.size());
                } else {
                    writeBatch(first, second);
                }
                first = null;
            }
        } catch (RuntimeException e) {
            // The connection is gone (reset, closed under us): nothing more can be written to it.
            writing.set(false);
            owner.writeFailed();
        }
    }

    // Every frame waiting, up to MAX_BATCH_BYTES, copied into one array: one syscall for many frames.
    private void writeBatch(WireFrame first, WireFrame second) {
        List<WireFrame> batch = new ArrayList<>();
        batch.add(first);
        batch.add(second);
        int bytes = first.size() + second.size();
        WireFrame frame;
        while (bytes < MAX_BATCH_BYTES && (frame = queue.poll()) != null) {
            batch.add(frame);
            bytes += frame.size();
        }
        byte[] joined = new byte[bytes];
        int at = 0;
        for (WireFrame f : batch) {
            System.arraycopy(f.bytes(), 0, joined, at, f.size());
            at += f.size();
        }
        write(joined, batch.size(), bytes);
    }

    private void write(byte[] bytes, int frames, int size) {
        writeFrames = frames;
        writeStartedNanos = System.nanoTime() | 1;
        try {
            // Whole frames only, each write atomic on the socket.
            socket.writeNow(BufferData.create(bytes));
        } finally {
            writeStartedNanos = 0;
            finished(size, frames);
        }
    }

    private void finished(int bytes, int frames) {
        queuedBytes.addAndGet(-bytes);
        backlog.done(frames);
    }

    private void dropQueue() {
        WireFrame frame;
        while ((frame = queue.poll()) != null) {
            finished(frame.size(), 1);
        }
    }
}
