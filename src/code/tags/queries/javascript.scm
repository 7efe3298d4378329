; JavaScript definitions luffy reads beyond the grammar's tags.scm (TypeScript's too).

((method_definition name: (_) @name) @definition.constructor
  (#eq? @name "constructor"))

(method_definition
  name: [(private_property_identifier) (string) (number) (computed_property_name)] @name) @definition.method

(variable_declarator name: (_) @name value: (generator_function)) @definition.function
