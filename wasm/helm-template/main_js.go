//go:build js && wasm

package main

import (
	"runtime/debug"
	"syscall/js"
)

// gcPercent is the WASM build's GOGC.
const gcPercent = 200

// main exposes one function, rivuletHelmTemplate(requestJSON, fileBytes, lookup?), then parks forever so
// the function stays callable. fileBytes is a Uint8Array holding every file the request names, copied
// into Go in one piece. The facade takes it off the global object right after start-up. Without a
// lookup function it returns the response JSON at once. With one it returns a Promise of it and renders
// in a goroutine, so a template waiting for a lookup blocks only that goroutine while the JavaScript
// event loop resolves the lookup's promise (blocking the callback itself would deadlock).
func main() {
	// WASM has one thread, so Go's collector cannot run beside the program as it does natively: every
	// cycle stops the render. Collecting at 200% heap growth instead of 100% made the generated
	// 150-template chart ~25% faster for ~10 MiB more peak memory (bench/helm-template.md); 400% gained
	// little more for twice that memory.
	debug.SetGCPercent(gcPercent)
	js.Global().Set("rivuletHelmTemplate", js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		var data, fileBytes []byte
		if len(args) >= 1 && args[0].Type() == js.TypeString {
			data = []byte(args[0].String())
		}
		if len(args) >= 2 && args[1].Type() == js.TypeObject {
			fileBytes = make([]byte, args[1].Get("length").Int())
			js.CopyBytesToGo(fileBytes, args[1])
		}
		if len(args) < 3 || args[2].Type() != js.TypeFunction {
			// Nothing to wait for (helm template): render here, as the call returns.
			return jsResponse(respond(data, fileBytes, nil))
		}
		source := jsSource(args[2])
		return newPromise(func() js.Value { return jsResponse(respond(data, fileBytes, source)) })
	}))
	select {}
}

// jsResponse is the response as a JavaScript object, {rendered: {name: text}} or {error}, built
// directly: encoding the rendered text as JSON in Go and parsing it again in JavaScript cost more.
func jsResponse(r Response) js.Value {
	out := js.Global().Get("Object").New()
	if r.Error != "" {
		out.Set("error", r.Error)
		return out
	}
	rendered := js.Global().Get("Object").New()
	for name, text := range r.Rendered {
		rendered.Set(name, text)
	}
	out.Set("rendered", rendered)
	return out
}

// newPromise runs work in a goroutine and resolves a JavaScript promise with its result.
func newPromise(work func() js.Value) js.Value {
	executor := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		resolve := args[0]
		go func() { resolve.Invoke(work()) }()
		return nil
	})
	// The Promise constructor calls the executor before it returns, so it can be released at once.
	defer executor.Release()
	return js.Global().Get("Promise").New(executor)
}

// jsSource asks the facade's function, which returns a promise of the object's JSON, or of null or
// undefined when it does not exist; a rejection fails the lookup with the rejection's message.
func jsSource(fn js.Value) objectSource {
	return func(apiVersion, kind, namespace, name string) ([]byte, bool, error) {
		v, err := await(fn.Invoke(apiVersion, kind, namespace, name))
		if err != nil {
			return nil, false, err
		}
		if v.IsNull() || v.IsUndefined() {
			return nil, false, nil
		}
		return []byte(v.String()), true, nil
	}
}

type settled struct {
	value js.Value
	err   error
}

// await blocks the calling goroutine (never the event loop's) until the promise settles.
func await(promise js.Value) (js.Value, error) {
	done := make(chan settled, 1)
	onValue := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		done <- settled{value: args[0]}
		return nil
	})
	onError := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		done <- settled{err: jsError(args[0])}
		return nil
	})
	defer onValue.Release()
	defer onError.Release()
	js.Global().Get("Promise").Call("resolve", promise).Call("then", onValue, onError)
	s := <-done
	return s.value, s.err
}

// jsError is a rejection as a Go error: an Error's message, or the value as a string.
func jsError(v js.Value) error {
	if v.Type() == js.TypeObject {
		if msg := v.Get("message"); msg.Type() == js.TypeString {
			return lookupError(msg.String())
		}
	}
	return lookupError(js.Global().Get("String").Invoke(v).String())
}

type lookupError string

func (e lookupError) Error() string { return string(e) }
