# labd accounts (shared by the .deb postinst and the .rpm %pre; POSIX sh).
# Groups labd (users) and labd-admin (admins); the sandbox pool labd-sbx-0..15: system
# users without a home or login shell, each with its own 65536-wide subordinate uid/gid
# range starting at 300000. Idempotent: existing accounts and ranges are left alone, and a
# range that would overlap another user's is not added (labctl doctor reports it).
labd_accounts() {
    getent group labd >/dev/null 2>&1 || groupadd --system labd
    getent group labd-admin >/dev/null 2>&1 || groupadd --system labd-admin
    _labd_nologin=/usr/sbin/nologin
    [ -x "$_labd_nologin" ] || _labd_nologin=/sbin/nologin
    _labd_i=0
    while [ "$_labd_i" -lt 16 ]; do
        _labd_u="labd-sbx-$_labd_i"
        if ! getent passwd "$_labd_u" >/dev/null 2>&1; then
            useradd --system --user-group --no-create-home --home-dir /nonexistent \
                --shell "$_labd_nologin" --comment "labd sandbox $_labd_i" "$_labd_u"
        fi
        _labd_lo=$((300000 + _labd_i * 65536))
        _labd_hi=$((_labd_lo + 65535))
        for _labd_f in subuid subgid; do
            touch "/etc/$_labd_f"
            if grep -q "^$_labd_u:" "/etc/$_labd_f"; then
                continue
            fi
            if awk -F: -v u="$_labd_u" -v lo="$_labd_lo" -v hi="$_labd_hi" \
                '$1 != u && NF >= 3 && $2 <= hi && $2 + $3 - 1 >= lo { found = 1 } END { exit !found }' \
                "/etc/$_labd_f"; then
                echo "labd: WARNING: /etc/$_labd_f already uses part of $_labd_lo-$_labd_hi; $_labd_u gets no range (see labctl doctor)" >&2
                continue
            fi
            if [ "$_labd_f" = subuid ]; then
                usermod --add-subuids "$_labd_lo-$_labd_hi" "$_labd_u"
            else
                usermod --add-subgids "$_labd_lo-$_labd_hi" "$_labd_u"
            fi
        done
        _labd_i=$((_labd_i + 1))
    done
}
