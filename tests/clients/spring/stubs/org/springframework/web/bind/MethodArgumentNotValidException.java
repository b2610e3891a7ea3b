package org.springframework.web.bind;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.validation.BindException;
import org.springframework.validation.FieldError;
import org.springframework.web.ErrorResponse;

/** Stub of Spring 6's MethodArgumentNotValidException (its MethodParameter left out). */
public class MethodArgumentNotValidException extends BindException implements ErrorResponse {
  private final ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "Invalid request content.");

  public MethodArgumentNotValidException(List<FieldError> errors) { super(errors); }

  @Override public HttpStatusCode getStatusCode() { return HttpStatus.BAD_REQUEST; }
  @Override public ProblemDetail getBody() { return body; }
}
