; Scala definitions, after the grammar's tags.scm (which the crate does not export): objects
; are classes, and an abstract method (no body) counts only in a class, object or trait.

[
  (class_definition name: (_) @name)
  (object_definition name: (_) @name)
] @definition.class

(trait_definition name: (_) @name) @definition.trait

(enum_definition name: (_) @name) @definition.enum

(function_definition name: (_) @name) @definition.function

((function_declaration name: (_) @name) @definition.method
  (#set! member))
