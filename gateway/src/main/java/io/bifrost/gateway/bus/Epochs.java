package io.bifrost.gateway.bus;

import java.util.concurrent.ThreadLocalRandom;

/**
 * New epochs: 8 random characters of {@code [0-9a-z]}, so a position from a lost history never matches a new one.
 */
final class Epochs {
    private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

    private Epochs() {
    }

    static String fresh() {
        char[] epoch = new char[8];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < epoch.length; i++) {
            epoch[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(epoch);
    }
}
