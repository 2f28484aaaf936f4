package io.bifrost.gateway.bus;

import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time, in the order they were submitted, on a thread started only while there is work: one
 * channel's deliveries, heals and resumes, in order, without holding a thread per idle channel and without making one
 * channel wait for another.
 */
final class SerialQueue {
    private static final System.Logger LOG = System.getLogger(SerialQueue.class.getName());

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final Executor threads;
    private final Runnable drain = this::drain;

    SerialQueue(Executor threads) {
        this.threads = threads;
    }

    void submit(Runnable task) {
        tasks.add(task);
        if (running.compareAndSet(false, true)) {
            threads.execute(drain);
        }
    }

    boolean idle() {
        return tasks.isEmpty() && !running.get();
    }

    private void drain() {
        while (true) {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // One task's failure must not stop the channel's later ones.
                    LOG.log(Level.WARNING, "a relay task failed", e);
                }
            }
            running.set(false);
            // A task added after the last poll but before the flag was cleared would otherwise wait forever.
            if (tasks.isEmpty() || !running.compareAndSet(false, true)) {
                return;
            }
        }
    }
}
