//go:build js && wasm

package main

import "syscall/js"

// main exposes one function, rivuletHelmTemplate(requestJSON) → responseJSON, then parks forever so
// the function stays callable. The facade takes it off the global object right after start-up.
func main() {
	js.Global().Set("rivuletHelmTemplate", js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return string(handle(nil))
		}
		return string(handle([]byte(args[0].String())))
	}))
	select {}
}
