package main

import (
	"sync"
	"text/template"
	"text/template/parse"
)

// parseCacheLimit bounds the template text whose parsed trees are kept between renders, in bytes.
// Past it the cache starts afresh: a bound on memory, not an eviction policy.
const parseCacheLimit = 4 << 20

// parseCache keeps the trees a template text parses to, by template name and text, so a chart rendered
// again (every reconcile renders the same templates) and a tpl text seen before are not parsed again.
// Parsing is the dearest step in WASM: Go 1.19's lexer hands each token over a channel from its own
// goroutine, and every such switch unwinds and rewinds the WASM stack. Trees are never changed once
// parsed (text/template only reads them, and Clone shares them too), so sets may share them.
type parseCache struct {
	mu    sync.Mutex
	trees map[string]map[string]*parse.Tree
	bytes int
}

var parsed = &parseCache{trees: map[string]map[string]*parse.Tree{}}

var (
	parseFuncsOnce sync.Once
	parseFuncMap   template.FuncMap
)

// parseFuncs are the function names a template may call, for parsing apart from a render's set; the
// functions themselves are never called.
func parseFuncs() template.FuncMap {
	parseFuncsOnce.Do(func() {
		parseFuncMap = staticFuncs()
		for k, v := range renderFuncs(template.New(""), false, newLookup(cannedSource(nil))) {
			parseFuncMap[k] = v
		}
	})
	return parseFuncMap
}

// parseInto parses text as template name into t's set, as t.New(name).Parse(text) would: the same trees,
// added the same way (an empty tree never replaces a template that has a body), the same errors.
func parseInto(t *template.Template, name, text string) (*template.Template, error) {
	trees, err := parsed.get(name, text)
	if err != nil {
		return nil, err
	}
	nt := t.New(name)
	for n, tree := range trees {
		if _, err := nt.AddParseTree(n, tree); err != nil {
			return nil, err
		}
	}
	return nt, nil
}

func (c *parseCache) get(name, text string) (map[string]*parse.Tree, error) {
	key := name + "\x00" + text
	c.mu.Lock()
	trees, ok := c.trees[key]
	c.mu.Unlock()
	if ok {
		return trees, nil
	}
	tmp, err := template.New(name).Funcs(parseFuncs()).Parse(text)
	if err != nil {
		return nil, err
	}
	trees = make(map[string]*parse.Tree)
	for _, x := range tmp.Templates() {
		trees[x.Name()] = x.Tree
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+len(key) > parseCacheLimit {
		c.trees = map[string]map[string]*parse.Tree{}
		c.bytes = 0
	}
	c.trees[key] = trees
	c.bytes += len(key)
	return trees, nil
}
