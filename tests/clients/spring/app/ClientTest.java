// Calls docs/clients/spring/ErralertReporter.java as Spring MVC's DispatcherServlet does, for the
// four errors of a small app and a 300-error burst; the Python side (spring_test.py) checks
// what erralertd delivered. Prints one line per step; exits when standard input closes.
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.validation.FieldError;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.server.ResponseStatusException;

public class ClientTest {
  /** Seed 000's exception: an upstream failure with the team's result code. */
  static class ExternalServerException extends ErrorResponseException {
    ExternalServerException(String message, Throwable cause) {
      super(HttpStatus.BAD_GATEWAY, problem(message), cause);
    }

    private static ProblemDetail problem(String message) {
      ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY, message);
      p.setProperty("code", "FEP-SEC-01001");
      return p;
    }
  }

  static class FeignException extends RuntimeException {
    FeignException(String message) { super(message); }
  }

  static int divide(int a, int b) { return a / b; }

  /** A request as the servlet container hands it over: only what the reporter reads. */
  static HttpServletRequest request(String method, String uri, Map<String, String[]> params) {
    return (HttpServletRequest) Proxy.newProxyInstance(ClientTest.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
          case "getMethod" -> method;
          case "getRequestURI" -> uri;
          case "getParameterMap" -> params;
          default -> null;
        });
  }

  static Exception thrown(Runnable r) {
    try {
      r.run();
      throw new AssertionError("did not throw");
    } catch (Exception e) {
      return e;
    }
  }

  public static void main(String[] args) throws Exception {
    ErralertReporter reporter = new ErralertReporter();
    var errors = List.of(
        Map.entry(request("POST", "/v1/users", Map.of("tag", new String[] {"a"}, "password", new String[] {"hunter2"})),
                  (Exception) new MethodArgumentNotValidException(List.of(new FieldError("user", "name", "", "must not be blank")))),
        Map.entry(request("GET", "/v1/users/48213/embeddings", Map.of("model", new String[] {"m"})),
                  new ExternalServerException("open AI 연동 오류 : /embeddings",
                      new FeignException("[502 Bad Gateway] during [POST] to [https://api.openai.com/v1/embeddings]"))),
        Map.entry(request("GET", "/v1/accounts/7", Map.of()), new ResponseStatusException(HttpStatus.NOT_FOUND, "No account 7")),
        Map.entry(request("GET", "/v1/crash", Map.of("ids", new String[] {"1", "2"})), thrown(() -> divide(1, 0))));
    for (var e : errors) {
      if (reporter.resolveException(e.getKey(), null, null, e.getValue()) != null) throw new AssertionError("resolved");
    }
    System.out.println("four errors reported");

    HttpServletRequest burst = request("GET", "/v1/burst", Map.of("page", new String[] {"1"}));
    Exception upstream = new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "upstream timed out");
    long t0 = System.nanoTime();
    for (int i = 0; i < 300; i++) reporter.resolveException(burst, null, null, upstream);
    System.out.printf("burst_ms %.1f%n", (System.nanoTime() - t0) / 1e6);
    System.out.flush();
    while (System.in.read() != -1) {}  // until the test has read what erralertd delivered
    System.out.println("dropped " + reporter.dropped());
  }
}
