# SPDX-License-Identifier: GPL-2.0
# Shared by the client tests (run inside the test VM).  Source it.

# our_vfio_loaded [MODULE...]: succeed only if the modules (default vfio,
# vfio_iommu_type1 where the kernel has it, vfio_pci_core and vfio_pci)
# are loaded and each is the very module file built from this repo: the
# GNU build ID the running kernel reports for the module equals the one
# of the file in our module tree.  vfio_ioctl_begin, which only our vfio.ko exports, must also be
# known to the kernel.
# In a parity run (VFIO_UNDER_TEST=stock, run-tests.sh -s) it checks the
# opposite: the modules are loaded and they are stock's, not ours.
our_vfio_loaded() {
	local m f want got mods=("$@")
	# A kernel without VFIO's container (iommufd serves /dev/vfio/vfio)
	# has no type1 module to check.
	[ $# -gt 0 ] || mods=(vfio $(modinfo -F filename vfio_iommu_type1 >/dev/null 2>&1 &&
				     echo vfio_iommu_type1) vfio_pci_core vfio_pci)
	if [ "${VFIO_UNDER_TEST:-ours}" = stock ]; then
		for m in "${mods[@]}"; do
			[ -d "/sys/module/$m" ] || { echo "# $m is not loaded"; return 1; }
		done
		! grep -q ' vfio_ioctl_begin[[:space:]]*\[vfio\]' /proc/kallsyms ||
			{ echo "# this is our vfio.ko, not stock's"; return 1; }
		return 0
	fi
	for m in "${mods[@]}"; do
		[ -d "/sys/module/$m" ] || { echo "# $m is not loaded"; return 1; }
		f=$(modinfo -F filename "$m") || return 1
		want=$(readelf -n "$f" | sed -n 's/.*Build ID: *//p')
		# The note: namesz, descsz, type (4 bytes each), "GNU\0", the ID.
		got=$(od -An -tx1 -v -j16 "/sys/module/$m/notes/.note.gnu.build-id" |
		      tr -d ' \n')
		if [ -z "$want" ] || [ "$want" != "$got" ]; then
			echo "# $m: loaded build ID '$got', ours ($f) '$want'"
			return 1
		fi
	done
	grep -q ' vfio_ioctl_begin[[:space:]]*\[vfio\]' /proc/kallsyms ||
		{ echo "# vfio.ko lacks our vfio_ioctl_begin"; return 1; }
}

# bind BDF DRIVER: move a PCI function to DRIVER (through driver_override).
bind_pci() {
	local cur
	cur=$(basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null)
	[ -n "$cur" ] && echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind"
	echo "$2" >"/sys/bus/pci/devices/$1/driver_override"
	echo "$1" >"/sys/bus/pci/drivers/$2/bind"
}
