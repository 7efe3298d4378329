; Rust definitions as luffy tells them apart: the grammar's tags.scm calls structs, enums and
; type aliases classes, traits interfaces, and every function in a declaration list a method
; (a module's too); an impl is named by its type.

(function_item name: (identifier) @name) @definition.function

; A trait's method without a body.
((function_signature_item name: (identifier) @name) @definition.method
  (#set! member))

[
  (struct_item name: (type_identifier) @name)
  (union_item name: (type_identifier) @name)
] @definition.struct

(enum_item name: (type_identifier) @name) @definition.enum

(type_item name: (type_identifier) @name) @definition.type

(trait_item name: (type_identifier) @name) @definition.trait

(impl_item type: (_) @name) @definition.impl
