; Ruby definitions as luffy names them: a class or module by its name as written
; (`Shop::Order`), and `def` outside a class or module a function.

(class name: (_) @name) @definition.class

(module name: (_) @name) @definition.module

(method name: (_) @name) @definition.function
