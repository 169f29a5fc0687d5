<?xml version="1.0" encoding="UTF-8"?>
<!-- route: target of site 2 only -->
<dmhs>
  <base>
    <lang>en</lang>
    <mgr_port>5745</mgr_port>
    <ckpt_interval>60</ckpt_interval>
    <siteid>42</siteid>
    <version>2.0</version>
  </base>
  <exec>
    <recv>
      <mgr_port>5745</mgr_port>
      <data_port>5746</data_port>
    </recv>
    <db_type>PG</db_type>
    <db_server>127.0.0.1</db_server>
    <db_port>5432</db_port>
    <db_user>apply</db_user>
    <db_pwd>change-me</db_pwd>
    <db_name>app_site2</db_name>
    <exec_thr>4</exec_thr>
  </exec>
</dmhs>
