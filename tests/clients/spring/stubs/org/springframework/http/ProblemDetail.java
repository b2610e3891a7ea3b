package org.springframework.http;

import java.util.LinkedHashMap;
import java.util.Map;

/** Stub of Spring 6's ProblemDetail (RFC 9457). */
public class ProblemDetail {
  private final int status;
  private String title, detail;
  private Map<String, Object> properties;

  protected ProblemDetail(int status) { this.status = status; }

  public static ProblemDetail forStatus(HttpStatusCode status) {
    ProblemDetail p = new ProblemDetail(status.value());
    if (status instanceof HttpStatus s) p.title = s.getReasonPhrase();
    return p;
  }

  public static ProblemDetail forStatusAndDetail(HttpStatusCode status, String detail) {
    ProblemDetail p = forStatus(status);
    p.detail = detail;
    return p;
  }

  public int getStatus() { return status; }
  public String getTitle() { return title; }
  public String getDetail() { return detail; }
  public void setDetail(String detail) { this.detail = detail; }
  /** Null until a property is set, as in Spring. */
  public Map<String, Object> getProperties() { return properties; }

  public void setProperty(String name, Object value) {
    if (properties == null) properties = new LinkedHashMap<>();
    properties.put(name, value);
  }
}
