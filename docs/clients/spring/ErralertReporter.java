// Reports every exception Spring MVC meets to erralertd, before the app's own handlers
// (@ExceptionHandler, @ResponseStatus, Boot's error page) answer it exactly as before.
//
//   Put this file in your application's package; @Component registers it (first in order).
//   Environment: ERRALERT_URL (default http://127.0.0.1:9780/v1/events), ERRALERT_SERVICE.
// Events wait in a bounded queue posted in batches by one background thread: a request never
// waits on erralert; what must be dropped is counted (dropped()) and logged once.
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.stereotype.Component;
import org.springframework.validation.BindException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

@Component
public class ErralertReporter implements HandlerExceptionResolver, Ordered {
  private static final String URL = Objects.requireNonNullElse(System.getenv("ERRALERT_URL"), "http://127.0.0.1:9780/v1/events");
  private static final String SERVICE = System.getenv("ERRALERT_SERVICE");
  private static final java.util.regex.Pattern FRAMEWORK =
      java.util.regex.Pattern.compile("^(java|javax|jakarta|jdk|sun|org\\.springframework|org\\.apache)\\..*");
  private final BlockingQueue<Map<String, Object>> queue = new ArrayBlockingQueue<>(10_000);
  private final AtomicLong dropped = new AtomicLong();
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  public ErralertReporter() {
    Thread t = new Thread(this::drain, "erralert");
    t.setDaemon(true);
    t.start();
  }

  @Override public int getOrder() { return Ordered.HIGHEST_PRECEDENCE; }

  @Override
  public ModelAndView resolveException(HttpServletRequest req, HttpServletResponse res, Object handler, Exception ex) {
    try {
      report(req, ex);
    } catch (RuntimeException e) {
      drop(1, "could not build the event: " + e);
    }
    return null; // not resolved here: the app's own handlers answer as before
  }

  public void report(HttpServletRequest req, Exception ex) {
    int status = 500;
    String code = null, message = ex.getMessage(), detail = null;
    if (ex instanceof ErrorResponse er) { // ResponseStatusException, validation, Spring's own
      status = er.getStatusCode().value();
      var body = er.getBody();
      message = Objects.requireNonNullElse(body.getDetail(), body.getTitle());
      Map<String, Object> props = Objects.requireNonNullElse(body.getProperties(), Map.of());
      code = props.get("code") == null ? null : String.valueOf(props.get("code"));
    } else if (AnnotatedElementUtils.findMergedAnnotation(ex.getClass(), ResponseStatus.class) != null) {
      ResponseStatus rs = AnnotatedElementUtils.findMergedAnnotation(ex.getClass(), ResponseStatus.class);
      status = rs.code().value();
      message = rs.reason().isEmpty() ? message : rs.reason();
    }
    if (ex.getCause() != null) detail = ex.getCause().toString(); // e.g. the FeignException behind it
    Map<String, Object> event = new LinkedHashMap<>();
    if (SERVICE != null) event.put("service", SERVICE);
    event.put("status", status);
    if (code != null) event.put("code", code);
    event.put("message", message == null || message.isEmpty() ? ex.getClass().getSimpleName() : message);
    if (detail != null) event.put("detail", detail);
    if (ex instanceof BindException b) {
      event.put("message", "Invalid request: " + b.getFieldErrorCount() + " field error(s)");
      event.put("errors", b.getFieldErrors().stream().map(f -> {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("field", f.getField());
        e.put("value", f.getRejectedValue() == null ? null : String.valueOf(f.getRejectedValue()));
        e.put("reason", f.getDefaultMessage());
        return e;
      }).toList());
    }
    Map<String, Object> exception = new LinkedHashMap<>();
    exception.put("type", ex.getClass().getName());
    if (status >= 500) {
      exception.put("message", ex.getMessage());
      exception.put("stacktrace", inAppFrames(ex));
    }
    event.put("exception", exception);
    Map<String, Object> params = new TreeMap<>();
    req.getParameterMap().forEach((k, v) -> params.put(k, v.length == 1 ? v[0] : List.of(v)));
    event.put("request", Map.of("method", req.getMethod(), "path", req.getRequestURI(), "params", params));
    if (!queue.offer(event)) drop(1, "queue full");
  }

  public long dropped() { return dropped.get(); }

  private static String inAppFrames(Throwable ex) {
    StringBuilder out = new StringBuilder(ex.toString());
    Arrays.stream(ex.getStackTrace())
        .filter(f -> !FRAMEWORK.matcher(f.getClassName()).matches())
        .limit(12).forEach(f -> out.append("\n\tat ").append(f));
    return out.toString();
  }

  private void drain() {
    List<Map<String, Object>> batch = new ArrayList<>();
    while (true) {
      try {
        batch.add(queue.take());
        queue.drainTo(batch, 499);
        send(json.writeValueAsString(batch), batch.size());
      } catch (Exception e) { // never let the thread die
        drop(batch.size(), e.toString());
      }
      batch.clear();
    }
  }

  private void send(String body, int events) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(URL)).timeout(Duration.ofSeconds(2))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() < 500) return; // 202 (a 4xx would not get better by retrying)
        if (attempt == 3) { drop(events, URL + ": HTTP " + r.statusCode()); return; }
      } catch (java.io.IOException e) {
        if (attempt == 3) { drop(events, URL + ": " + e); return; }
      }
      Thread.sleep(200L * attempt);
    }
  }

  private void drop(int n, String why) {
    if (dropped.getAndAdd(n) == 0) Logger.getLogger("erralert").warning("dropping error reports (" + why + ")");
  }
}
