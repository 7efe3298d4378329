; Kotlin definitions (tree-sitter-kotlin-ng ships no tags query). `class`, `interface` and
; `enum class` are one node kind, told apart by a keyword or the body.

(class_declaration "interface" name: (_) @name) @definition.interface

(class_declaration name: (_) @name (enum_class_body)) @definition.enum

(class_declaration name: (_) @name) @definition.class

(object_declaration name: (_) @name) @definition.class

(companion_object name: (_) @name) @definition.class

; A companion object is named `Companion` unless it says otherwise (as the JVM does).
((companion_object) @definition.class
  (#set! name "Companion"))

(function_declaration name: (_) @name) @definition.function

((secondary_constructor) @definition.constructor
  (#set! name "constructor"))
