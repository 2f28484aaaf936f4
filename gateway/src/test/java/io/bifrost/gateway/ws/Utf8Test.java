package io.bifrost.gateway.ws;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Utf8Test {

    @Test
    void agreesWithTheJdksStrictDecoderOnRandomBytes() {
        // A fixed seed: the same 200,000 inputs every run, biased towards bytes that start multi-byte characters.
        Random random = new Random(20261129);
        for (int i = 0; i < 200_000; i++) {
            byte[] bytes = new byte[random.nextInt(8)];
            for (int j = 0; j < bytes.length; j++) {
                bytes[j] = (byte) (random.nextBoolean() ? 0x80 + random.nextInt(0x80) : random.nextInt(256));
            }
            assertEquals(jdkAccepts(bytes), Utf8.valid(bytes), () -> "disagree on " + java.util.HexFormat.of()
                    .formatHex(bytes));
        }
    }

    @Test
    void feedingByteByByteAgreesWithFeedingAtOnce() {
        Random random = new Random(7);
        for (int i = 0; i < 50_000; i++) {
            byte[] bytes = new byte[1 + random.nextInt(10)];
            random.nextBytes(bytes);
            Utf8 split = new Utf8();
            boolean ok = true;
            for (int j = 0; j < bytes.length && ok; j++) {
                ok = split.feed(bytes, j, j + 1);
            }
            assertEquals(Utf8.valid(bytes), ok && split.complete());
        }
    }

    private static boolean jdkAccepts(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
