package io.bifrost.testing;

import java.util.Objects;
import java.util.function.UnaryOperator;

import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.protocol.BifrostClient;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension that runs an embedded gateway ({@link EmbeddedGateway}: in-process bus, loopback, a free port)
 * for a test class, or a fresh one for each test, and injects into test and lifecycle method parameters:
 * <ul>
 *   <li>{@link EmbeddedGateway} (or {@link GatewayEndpoint}): {@code uri()}, {@code websocketUri()},
 *       {@code subscribe(channels...)}, the gateway itself</li>
 *   <li>{@link BifrostClient}: a backend client for it, ready to broadcast</li>
 *   <li>{@code @BifrostSecret String}: its {@code JWT_SECRET} (random for each gateway)</li>
 * </ul>
 *
 * <pre>{@code
 * @ExtendWith(BifrostExtension.class)             // one gateway for the class
 * class NewItemBroadcastTest {
 *     @Test
 *     void createItemBroadcastsIt(EmbeddedGateway gateway, BifrostClient bifrost) throws Exception {
 *         try (TestSubscriber subscriber = gateway.subscribe("user:1")) {
 *             bifrost.broadcast("user:1", "new_item", "{\"id\":7}");
 *             assertEquals("{\"id\":7}", subscriber.awaitMessage("new_item", Duration.ofSeconds(5)).data());
 *         }
 *     }
 * }
 * }</pre>
 *
 * To choose the lifecycle or the configuration, register it from a static field instead:
 * {@code @RegisterExtension static BifrostExtension bifrost = BifrostExtension.perTest().configure(c -> ...);}.
 * The gateway is started before the first parameter or callback needs it and stopped when its class (or test)
 * ends; a per-test gateway is closed after the test's {@code @AfterEach} methods.
 */
public final class BifrostExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(BifrostExtension.class);

    /** When a gateway starts and stops. */
    public enum Lifecycle {
        /** One gateway for all the tests of a class: started before the first, stopped after the last. */
        PER_CLASS,
        /** A fresh gateway for each test, stopped after it. */
        PER_TEST
    }

    private final Lifecycle lifecycle;
    private final UnaryOperator<GatewayConfig> configure;

    /** One gateway per test class with the embedded defaults: what {@code @ExtendWith(BifrostExtension.class)} gives. */
    public BifrostExtension() {
        this(Lifecycle.PER_CLASS, UnaryOperator.identity());
    }

    private BifrostExtension(Lifecycle lifecycle, UnaryOperator<GatewayConfig> configure) {
        this.lifecycle = lifecycle;
        this.configure = configure;
    }

    /**
     * @return an extension with one gateway per test class
     */
    public static BifrostExtension perClass() {
        return new BifrostExtension(Lifecycle.PER_CLASS, UnaryOperator.identity());
    }

    /**
     * @return an extension with a fresh gateway for each test
     */
    public static BifrostExtension perTest() {
        return new BifrostExtension(Lifecycle.PER_TEST, UnaryOperator.identity());
    }

    /**
     * @param change applied to {@link GatewayConfig#embedded(String)} before the gateway starts, e.g.
     *               {@code c -> c.withDrain(Duration.ofSeconds(1))}
     * @return an extension like this one with the change (after any earlier one)
     */
    public BifrostExtension configure(UnaryOperator<GatewayConfig> change) {
        Objects.requireNonNull(change, "change");
        UnaryOperator<GatewayConfig> before = configure;
        return new BifrostExtension(lifecycle, config -> change.apply(before.apply(config)));
    }

    /**
     * @return when this extension starts and stops its gateway
     */
    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /**
     * The gateway of the current class or test, started if it is not yet.
     *
     * @param context the context JUnit hands to an extension or a test
     * @return the running gateway
     */
    public EmbeddedGateway gateway(ExtensionContext context) {
        ExtensionContext owner = lifecycle == Lifecycle.PER_CLASS ? classContext(context) : context;
        // The store closes it (AutoCloseable) when the owning context ends: after the class, or after the test.
        return owner.getStore(NAMESPACE).computeIfAbsent(EmbeddedGateway.class,
                key -> EmbeddedGateway.start(TestSecrets.random(), configure), EmbeddedGateway.class);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (lifecycle == Lifecycle.PER_CLASS) {
            gateway(context);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        gateway(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == EmbeddedGateway.class || type == GatewayEndpoint.class || type == BifrostClient.class
                || (type == String.class && parameter.isAnnotated(BifrostSecret.class));
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (lifecycle == Lifecycle.PER_TEST && context.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("a per-test Bifrost gateway exists only for a test and its "
                    + "@BeforeEach/@AfterEach methods, not for " + parameter.getDeclaringExecutable()
                    + "; use BifrostExtension.perClass() for class-level parameters");
        }
        EmbeddedGateway gateway = gateway(context);
        Class<?> type = parameter.getParameter().getType();
        if (type == BifrostClient.class) {
            return gateway.client();
        }
        if (type == String.class) {
            return gateway.secret();
        }
        return gateway;
    }

    // The context of the test's class (a @Nested class has its own gateway), found from a method's context.
    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }

    @Override
    public String toString() {
        return "BifrostExtension[" + lifecycle + "]";
    }
}
