package io.bifrost.protocol;

import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventDecoderTest {
    private static final String OPTED_IN_MESSAGE =
            "{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\",\"channel\":\"user:1\",\"id\":\"k3x9:18\"}";

    @Test
    void coreSubscribedHasNoRecoveryFields() {
        assertEquals(new SubscriberEvent.Subscribed("user:1", Optional.empty(), OptionalLong.empty()),
                EventDecoder.decode(new ServerFrame.Subscribed("user:1").encode(), true));
    }

    @Test
    void extendedSubscribedCarriesRecoveredAndMissed() {
        assertEquals(new SubscriberEvent.Subscribed("user:1", Optional.of(true), OptionalLong.of(3)),
                EventDecoder.decode("{\"event\":\"subscribed\",\"data\":"
                        + "\"{\\\"channel\\\":\\\"user:1\\\",\\\"recovered\\\":true,\\\"missed\\\":3}\"}", true));
        assertEquals(new SubscriberEvent.Subscribed("global", Optional.of(false), OptionalLong.of(0)),
                EventDecoder.decode("{\"event\":\"subscribed\",\"data\":"
                        + "\"{\\\"channel\\\":\\\"global\\\",\\\"recovered\\\":false,\\\"missed\\\":0}\"}", false));
    }

    @Test
    void pongIsPong() {
        assertEquals(new SubscriberEvent.Pong(), EventDecoder.decode("{\"event\":\"pong\"}", false));
    }

    @Test
    void anOptedInMessageCarriesItsChannelAndPosition() {
        assertEquals(new SubscriberEvent.Message(Optional.of("user:1"), Optional.of(new Position("k3x9", 18)),
                        "new_item", "{\"id\":7}", OPTED_IN_MESSAGE),
                EventDecoder.decode(OPTED_IN_MESSAGE, true));
    }

    @Test
    void aCoreSocketReadsChannelAndIdAsTheBackendsOwnKeys() {
        // A backend may put "channel" and "id" in its message; a core socket's frames are that object as sent.
        assertEquals(new SubscriberEvent.Message(Optional.empty(), Optional.empty(), "new_item", "{\"id\":7}",
                OPTED_IN_MESSAGE), EventDecoder.decode(OPTED_IN_MESSAGE, false));
    }

    @Test
    void aMalformedIdIsNoPosition() {
        String text = "{\"event\":\"e\",\"data\":\"d\",\"channel\":\"c\",\"id\":\"K3X9:018\"}";

        SubscriberEvent.Message message = assertInstanceOf(SubscriberEvent.Message.class,
                EventDecoder.decode(text, true));

        assertEquals(Optional.of("c"), message.channel());
        assertEquals(Optional.empty(), message.id());
    }

    @Test
    void dataIsTheStringAsSentOrTheJsonOfAnyOtherValue() {
        assertEquals("{\"a\":[1,2.50]}", messageData("{\"event\":\"e\",\"data\":{\"a\":[1,2.50]}}"));
        assertEquals("17", messageData("{\"event\":\"e\",\"data\":17}"));
        assertEquals(" not json ", messageData("{\"event\":\"e\",\"data\":\" not json \"}"));
        assertEquals(null, messageData("{\"event\":\"e\"}"));
        assertEquals(null, messageData("{\"event\":\"e\",\"data\":null}"));
    }

    private static String messageData(String text) {
        return assertInstanceOf(SubscriberEvent.Message.class, EventDecoder.decode(text, false)).data();
    }

    @Test
    void theGatewaysErrorEventIsItsText() {
        assertEquals(new SubscriberEvent.Error("frame is not valid JSON"),
                EventDecoder.decode(new ServerFrame.Error("frame is not valid JSON").encode(), true));
    }

    @Test
    void anErrorEventOfAnotherShapeKeepsItsData() {
        assertEquals(new SubscriberEvent.Error("plain words"),
                EventDecoder.decode("{\"event\":\"error\",\"data\":\"plain words\"}", false));
        assertEquals(new SubscriberEvent.Error("{\"event\":\"error\",\"data\":{\"error\":\"x\"}}"),
                EventDecoder.decode("{\"event\":\"error\",\"data\":{\"error\":\"x\"}}", false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[]", "{\"data\":\"x\"}", "{\"event\":7}",
            "{\"event\":\"subscribed\",\"data\":\"{}\"}", "{\"event\":\"subscribed\",\"data\":\"nope\"}"})
    void aFrameThatIsNoProtocolFrameIsAnErrorQuotingIt(String text) {
        SubscriberEvent.Error error = assertInstanceOf(SubscriberEvent.Error.class, EventDecoder.decode(text, true));

        assertTrue(error.text().startsWith("the gateway sent a frame that is not a protocol frame ("), error.text());
        assertTrue(error.text().endsWith("): " + text), error.text());
    }
}
