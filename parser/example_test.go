package parser_test

import (
	"fmt"

	"github.com/gosio/gosio/parser"
)

func ExampleCodec_Encode() {
	frames, err := parser.JSON.Encode(nil, &parser.Packet{
		Type:      parser.Event,
		Namespace: "/chat",
		ID:        12,
		HasID:     true,
		Data:      []any{"message", "hello", map[string]any{"from": "ann"}},
	})
	if err != nil {
		panic(err)
	}
	for _, f := range frames {
		fmt.Printf("binary=%v %s\n", f.Binary, f.Data)
	}

	// []byte arguments become attachments sent as separate binary messages.
	frames, _ = parser.JSON.Encode(nil, &parser.Packet{
		Type: parser.Event,
		Data: []any{"upload", []byte("raw bytes")},
	})
	for _, f := range frames {
		fmt.Printf("binary=%v %q\n", f.Binary, f.Data)
	}
	// Output:
	// binary=false 2/chat,12["message","hello",{"from":"ann"}]
	// binary=false "51-[\"upload\",{\"_placeholder\":true,\"num\":0}]"
	// binary=true "raw bytes"
}

func ExampleDecoder_binaryEvent() {
	dec := parser.JSON.NewDecoder()

	// The text part announces one attachment: no packet yet.
	p, err := dec.Add(false, []byte(`51-/files,["upload",{"name":"a.txt","content":{"_placeholder":true,"num":0}}]`))
	fmt.Println(p, err)

	// The attachment completes it.
	p, err = dec.Add(true, []byte("hello"))
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Type, p.Namespace, len(p.Attachments))

	args, _ := p.Data.(parser.RawValue).Elems()
	name, _ := args[0].String()
	var file struct {
		Name    string `json:"name"`
		Content []byte `json:"content"`
	}
	if err := args[1].Unmarshal(&file); err != nil {
		panic(err)
	}
	fmt.Printf("%s %s %q\n", name, file.Name, file.Content)
	// Output:
	// <nil> <nil>
	// BINARY_EVENT /files 1
	// upload a.txt "hello"
}
