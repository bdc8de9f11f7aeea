// Command httpd is the demo's web server and client: `httpd -serve ADDR
// -name NODE` answers every request with the node's name, `httpd -get URL`
// prints the answer (or "no answer") once, with a short timeout.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	serve := flag.String("serve", "", "address to serve on")
	name := flag.String("name", "", "node name to answer with")
	get := flag.String("get", "", "URL to fetch once")
	flag.Parse()
	switch {
	case *serve != "":
		h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, "served by %s\n", *name)
		})
		srv := &http.Server{Addr: *serve, Handler: h, ReadHeaderTimeout: 5 * time.Second}
		if err := srv.ListenAndServe(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case *get != "":
		ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, *get, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println("no answer")
			os.Exit(1)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
		fmt.Println(strings.TrimSpace(string(body)))
	default:
		flag.Usage()
		os.Exit(2)
	}
}
