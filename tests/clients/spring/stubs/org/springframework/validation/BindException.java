package org.springframework.validation;

import java.util.List;

/** Stub of Spring's BindException: the field errors of a failed binding (a BindingResult in Spring). */
public class BindException extends Exception {
  private final List<FieldError> fieldErrors;

  public BindException(List<FieldError> fieldErrors) {
    this.fieldErrors = List.copyOf(fieldErrors);
  }

  public int getFieldErrorCount() { return fieldErrors.size(); }
  public List<FieldError> getFieldErrors() { return fieldErrors; }
}
