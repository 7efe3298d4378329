; C# definitions luffy reads beyond the grammar's tags.scm.

(namespace_declaration name: (_) @name) @definition.module

; `namespace Acme.Jobs;` holds the declarations after it, to the end of the file.
((file_scoped_namespace_declaration name: (_) @name) @definition.module
  (#set! to-end))

(struct_declaration name: (identifier) @name) @definition.struct

(record_declaration name: (identifier) @name) @definition.class

(enum_declaration name: (identifier) @name) @definition.enum

(constructor_declaration name: (identifier) @name) @definition.constructor

(local_function_statement name: (identifier) @name) @definition.function
