package org.springframework.web;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/** Stub of Spring 6's ErrorResponseException. */
public class ErrorResponseException extends RuntimeException implements ErrorResponse {
  private final HttpStatusCode status;
  private final ProblemDetail body;

  public ErrorResponseException(HttpStatusCode status) { this(status, null); }

  public ErrorResponseException(HttpStatusCode status, Throwable cause) {
    this(status, ProblemDetail.forStatus(status), cause);
  }

  public ErrorResponseException(HttpStatusCode status, ProblemDetail body, Throwable cause) {
    super(null, cause);
    this.status = status;
    this.body = body;
  }

  @Override public HttpStatusCode getStatusCode() { return status; }
  @Override public ProblemDetail getBody() { return body; }
  @Override public String getMessage() { return status.value() + " " + (body.getDetail() == null ? "" : "\"" + body.getDetail() + "\""); }
}
