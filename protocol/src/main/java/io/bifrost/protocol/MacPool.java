package io.bifrost.protocol;

import java.security.GeneralSecurityException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.SecretKey;

/**
 * Initialized {@link Mac}s of one algorithm, reused: creating and initializing one costs more than a MAC. Not a
 * ThreadLocal, because callers are virtual threads; bounded, because a burst must not leave thousands behind.
 */
final class MacPool {
    private static final int MAX_IDLE = 64;

    private final HmacAlgorithm algorithm;
    private final SecretKey key;
    private final int macLength;
    private final ConcurrentLinkedQueue<Mac> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    MacPool(HmacAlgorithm algorithm, SecretKey key) {
        this.algorithm = algorithm;
        this.key = key;
        Mac first = create();
        this.macLength = first.getMacLength();
        give(first);
    }

    int macLength() {
        return macLength;
    }

    Mac take() {
        Mac mac = idle.poll();
        if (mac == null) {
            return create();
        }
        idleCount.decrementAndGet();
        return mac;
    }

    // Only a Mac whose doFinal completed comes back, so every pooled Mac is reset and ready.
    void give(Mac mac) {
        if (idleCount.incrementAndGet() <= MAX_IDLE) {
            idle.offer(mac);
        } else {
            idleCount.decrementAndGet();
        }
    }

    private Mac create() {
        try {
            Mac mac = Mac.getInstance(algorithm.jcaName());
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot compute " + algorithm.jcaName() + " (" + e.getMessage()
                    + "); run Bifrost on a JDK with the standard SunJCE provider", e);
        }
    }
}
