// Command deskd is an e-mail-driven IT help-desk daemon.
package main

import "fmt"

func main() { fmt.Println("deskd") }
