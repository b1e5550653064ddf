# Shell helpers shared by test/walkthrough.sh and bench/run.sh (sourced, not run).

# free_port prints a TCP port nobody listens on at 127.0.0.1, below the kernel's ephemeral range:
# a port in that range can be taken by another program's outgoing connection between the check
# and the server's bind (Dovecot failed to start so, beside CI's other steps).
free_port() {
	local p lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$lo" -gt 12000 ] || lo=60000
	while :; do
		p=$((10000 + RANDOM % (lo - 10000)))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}
