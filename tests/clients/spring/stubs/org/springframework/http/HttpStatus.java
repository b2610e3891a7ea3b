package org.springframework.http;

/** Stub of Spring's HttpStatus: the statuses the tests use. */
public enum HttpStatus implements HttpStatusCode {
  BAD_REQUEST(400, "Bad Request"), NOT_FOUND(404, "Not Found"), INTERNAL_SERVER_ERROR(500, "Internal Server Error"),
  BAD_GATEWAY(502, "Bad Gateway"), SERVICE_UNAVAILABLE(503, "Service Unavailable");

  private final int value;
  private final String reasonPhrase;

  HttpStatus(int value, String reasonPhrase) {
    this.value = value;
    this.reasonPhrase = reasonPhrase;
  }

  @Override public int value() { return value; }
  public String getReasonPhrase() { return reasonPhrase; }
}
