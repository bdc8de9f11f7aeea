package filesystem_test

import (
	resource "github.com/heartbeat-go/heartbeat-go/resource.d"
	"github.com/heartbeat-go/heartbeat-go/resource.d/filesystem"
)

var _ resource.Agent = (*filesystem.Agent)(nil)
