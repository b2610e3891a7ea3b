package org.springframework.validation;

/** Stub of Spring's FieldError (its ObjectError base left out). */
public class FieldError {
  private final String objectName, field, defaultMessage;
  private final Object rejectedValue;

  public FieldError(String objectName, String field, Object rejectedValue, String defaultMessage) {
    this.objectName = objectName;
    this.field = field;
    this.rejectedValue = rejectedValue;
    this.defaultMessage = defaultMessage;
  }

  public String getObjectName() { return objectName; }
  public String getField() { return field; }
  public Object getRejectedValue() { return rejectedValue; }
  public String getDefaultMessage() { return defaultMessage; }
}
