package org.springframework.web.server;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** Stub of Spring 6's ResponseStatusException: the reason is the problem's detail. */
public class ResponseStatusException extends ErrorResponseException {
  public ResponseStatusException(HttpStatusCode status, String reason) {
    super(status, ProblemDetail.forStatusAndDetail(status, reason), null);
  }
}
