package io.bifrost.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The generator's one I/O thread: every socket (websockets and publishing connections) is a non-blocking channel on
 * one selector, and everything that touches them runs here. One thread for thousands of sockets keeps the generator
 * cheap and its CPU easy to attribute; other threads hand work in with {@link #execute} or {@link #call}.
 */
final class EventLoop implements AutoCloseable {
    /** What a registered channel's key carries: called on the loop thread when the channel is ready. */
    interface Handler {
        void ready(SelectionKey key) throws IOException;

        /** The channel failed (an exception from {@link #ready}); the handler closes it and accounts for it. */
        void failed(Exception e);
    }

    private record Timer(long due, long order, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long timerOrder;
    private volatile boolean running = true;
    private volatile Throwable crash;

    EventLoop() {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.thread = Thread.ofPlatform().name("bench-loop").daemon().start(this::run);
    }

    /** Runs a task on the loop thread, soon. Any thread. */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Runs a task on the loop thread and waits for its result. Never call it from the loop thread. */
    <T> T call(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(task.call());
            } catch (Exception | Error e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("loop task failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the generator's loop did not answer within 30 s" + (crash == null ? ""
                    : "; it crashed: " + crash));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Runs a task on the loop thread after a delay. Loop thread only. */
    void schedule(Duration delay, Runnable task) {
        timers.add(new Timer(System.nanoTime() + delay.toNanos(), timerOrder++, task));
    }

    /** Registers a channel. Loop thread only. */
    SelectionKey register(SelectableChannel channel, int ops, Handler handler) throws IOException {
        return channel.register(selector, ops, handler);
    }

    private void run() {
        try {
            while (running) {
                long timeout = 0;
                Timer next = timers.peek();
                if (next != null) {
                    // select takes milliseconds; a timer due within one is run on the next turn at the latest.
                    timeout = Math.max(1, TimeUnit.NANOSECONDS.toMillis(next.due - System.nanoTime()) + 1);
                }
                selector.select(this::dispatch, timeout);
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                long now = System.nanoTime();
                while ((next = timers.peek()) != null && next.due - now <= 0) {
                    timers.poll().task().run();
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            crash = e;
            System.err.println("bench: the generator's loop crashed: " + e);
            e.printStackTrace();
        } finally {
            for (SelectionKey key : selector.keys()) {
                try {
                    key.channel().close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
            try {
                selector.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private void dispatch(SelectionKey key) {
        Handler handler = (Handler) key.attachment();
        try {
            handler.ready(key);
        } catch (IOException | RuntimeException e) {
            handler.failed(e);
        }
    }

    /** Stops the loop and closes every channel still registered. */
    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
