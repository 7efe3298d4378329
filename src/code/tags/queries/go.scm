; Go definitions luffy reads beyond the grammar's tags.scm: a method's container is its
; receiver's type, and a type is a struct, an interface or another type.

(method_declaration
  receiver: (parameter_list
    (parameter_declaration
      type: [
        (type_identifier) @container
        (pointer_type (type_identifier) @container)
        (generic_type type: (type_identifier) @container)
        (pointer_type (generic_type type: (type_identifier) @container))
      ]))
  name: (field_identifier) @name) @definition.method

(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct

(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface

(type_alias name: (type_identifier) @name type: (struct_type)) @definition.struct

(type_alias name: (type_identifier) @name type: (interface_type)) @definition.interface

(type_alias name: (type_identifier) @name) @definition.type
