; TypeScript definitions luffy reads beyond the grammars' tags.scm (JavaScript's and TypeScript's).

(type_alias_declaration name: (_) @name) @definition.type

(enum_declaration name: (_) @name) @definition.enum

(internal_module name: (_) @name) @definition.module

(module name: [(string) (nested_identifier)] @name) @definition.module

; A class field holding a function: `handler = (e) => {}`.
(public_field_definition
  name: (_) @name
  value: [(arrow_function) (function_expression) (generator_function)]) @definition.method
