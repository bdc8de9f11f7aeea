package ipaddr_test

import (
	resource "github.com/heartbeat-go/heartbeat-go/resource.d"
	"github.com/heartbeat-go/heartbeat-go/resource.d/ipaddr"
)

var _ resource.Agent = (*ipaddr.Agent)(nil)
