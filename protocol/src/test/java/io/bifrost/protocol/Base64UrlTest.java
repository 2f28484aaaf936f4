package io.bifrost.protocol;

import java.util.Base64;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class Base64UrlTest {
    @Test
    void decodingMatchesTheJdksForEveryLength() {
        Random random = new Random(42);
        for (int length = 1; length < 200; length++) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            String encoded = "x." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + ".y";

            assertArrayEquals(bytes, Base64Url.decode(encoded, 2, encoded.length() - 2), encoded);
        }
        for (String invalid : new String[] {"", "A", "AAAAA", "AA=", "AAA=", "AA+A", "AA/A", "AA.A", "AA A", "AAé"}) {
            assertNull(Base64Url.decode(invalid, 0, invalid.length()), invalid);
        }
        assertArrayEquals(Base64.getUrlDecoder().decode("QR"), Base64Url.decode("QR", 0, 2));
        assertArrayEquals(Base64.getUrlDecoder().decode("QUF"), Base64Url.decode("QUF", 0, 3));
    }
}
