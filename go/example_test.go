package eiw_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"eiw"
)

// wasm reads an example module built by `make wasm`.
func wasm(name string) []byte {
	dir := os.Getenv("EIW_WASM_DIR")
	if dir == "" {
		dir = filepath.Join("..", "target", "wasm32-unknown-unknown", "release")
	}
	b, err := os.ReadFile(filepath.Join(dir, name+".wasm"))
	if err != nil {
		panic(err)
	}
	return b
}

// A host in JSON: records in, the module's records out.
func ExampleHost_ProcessJSON() {
	host, err := eiw.NewHost(wasm("add_fields"), eiw.Options{EventFormat: eiw.FormatJSON})
	if err != nil {
		panic(err)
	}
	defer host.Close()
	if err := host.Register(map[string]interface{}{"field": "labels.env", "value": "prod"}); err != nil {
		panic(err)
	}
	out, err := host.ProcessJSON([]byte(`{"message": "GET / 200"}`))
	if err != nil {
		panic(err)
	}
	var record map[string]interface{}
	if err := json.Unmarshal(out[0], &record); err != nil {
		panic(err)
	}
	fmt.Println(len(out), record["message"], record["labels"])
	// Output: 1 GET / 200 map[env:prod]
}

// Decoded events, and an error per kind of failure.
func ExampleHost_ProcessEvent() {
	host, err := eiw.NewHost(wasm("drop_debug"), eiw.Options{CPUPointsPerCall: 10_000_000})
	if err != nil {
		panic(err)
	}
	defer host.Close()
	for _, level := range []string{"info", "debug"} {
		out, err := host.ProcessEvent(eiw.NewEvent(map[string]interface{}{
			"message": "hello", "log": map[string]string{"level": level},
		}))
		switch {
		case errors.Is(err, eiw.ErrCPUExhausted): // the module looped; the next call gets a fresh instance
		case err != nil:
			panic(err)
		}
		fmt.Println(level, len(out))
	}
	_, err = host.ProcessEvent(eiw.NewEvent(map[string]interface{}{"ch": make(chan int)}))
	fmt.Println(err)
	// Output:
	// info 1
	// debug 0
	// eiw: EIW_RESULT_INVALID_EVENT: ch: a chan int has no Value form
}

// Events between stages: what one host emits goes to the next as the bytes
// it is; reads look into those bytes, and the first edit decodes them.
func ExampleEvent() {
	enrich, err := eiw.NewHost(wasm("add_fields"), eiw.Options{})
	if err != nil {
		panic(err)
	}
	defer enrich.Close()
	if err := enrich.Register(map[string]interface{}{"field": "labels.env", "value": "prod"}); err != nil {
		panic(err)
	}
	filter, err := eiw.NewHost(wasm("drop_debug"), eiw.Options{})
	if err != nil {
		panic(err)
	}
	defer filter.Close()

	event := eiw.NewEvent(nil)
	event.Put("message", "GET / 200")
	event.Put("log.level", "info")
	enriched, err := enrich.ProcessEvent(event)
	if err != nil {
		panic(err)
	}
	env, _ := enriched[0].GetString("labels.env")
	kept, err := filter.ProcessEvent(enriched[0])
	if err != nil {
		panic(err)
	}
	fmt.Println(env, len(kept))
	kept[0].Delete("labels")
	fmt.Println(kept[0].Fields()["message"], kept[0].Fields()["labels"])
	// Output:
	// prod 1
	// GET / 200 <nil>
}
