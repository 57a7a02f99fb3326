"""MapServer 8 (Debian) as one native FastCGI process behind nginx, over the anchor tables.

The provincias layer draws each polygon with the fill colour our choropleth gives it (attribute
binding, so MapServer does no classification work we do); E.P. points are served by WFS 2.0 as
GML 3.2 (default) and GeoJSON (OGR driver). MapServer answers exceptions as HTTP 200 XML, so
the harness checks each response's Content-Type before timing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.database import EP_TABLE, PROVINCIAS_TABLE, BenchDatabase
from bench.processes import Process, free_port, nginx_conf, spawn, wait_socket, which

PNG8_FORMAT = "image/png; mode=8bit"
WFS_GEOJSON_FORMAT = "geojson"
WFS_GML32_FORMAT = "application/gml+xml; version=3.2"

MAPFILE = """MAP
  NAME "bench"
  EXTENT -81.5 -18.5 -68.5 0.1
  SIZE 256 256
  MAXSIZE 4096
  UNITS DD
  IMAGECOLOR 255 255 255
  PROJECTION "init=epsg:4326" END
  OUTPUTFORMAT
    NAME "png8"
    DRIVER AGG/PNG8
    MIMETYPE "image/png; mode=8bit"
    IMAGEMODE RGB
    EXTENSION "png"
    FORMATOPTION "QUANTIZE_FORCE=on"
    FORMATOPTION "QUANTIZE_COLORS=256"
  END
  OUTPUTFORMAT
    NAME "geojson"
    DRIVER "OGR/GEOJSON"
    MIMETYPE "application/geo+json"
    FORMATOPTION "FORM=SIMPLE"
    FORMATOPTION "STORAGE=stream"
    FORMATOPTION "LCO:RFC7946=YES"
  END
  WEB
    METADATA
      "ows_enable_request" "*"
      "ows_title" "bench"
      "ows_onlineresource" "{url}/mapserv?"
      "ows_srs" "EPSG:4326 EPSG:3857 EPSG:32718"
      "wms_getmap_formatlist" "image/png; mode=8bit,image/png"
      "wfs_getfeature_formatlist" "geojson,application/gml+xml; version=3.2"
      "wfs_namespace_prefix" "ms"
    END
  END
  LAYER
    NAME "provincias"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION "{libpq}"
    DATA "geom FROM {provincias} USING UNIQUE ubigeo USING SRID=4326"
    PROCESSING "CLOSE_CONNECTION=DEFER"
    PROJECTION "init=epsg:4326" END
    METADATA "wms_title" "provincias" END
    CLASS
      STYLE
        COLOR [color]
        OUTLINECOLOR 255 255 255
        WIDTH 0.5
      END
    END
  END
  LAYER
    NAME "establecimientos_penitenciarios"
    TYPE POINT
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION "{libpq}"
    DATA "geom FROM {ep} USING UNIQUE code USING SRID=4326"
    PROCESSING "CLOSE_CONNECTION=DEFER"
    PROJECTION "init=epsg:4326" END
    TEMPLATE "unused"
    METADATA
      "wfs_title" "establecimientos_penitenciarios"
      "gml_include_items" "all"
      "gml_featureid" "code"
      "gml_types" "auto"
      "wfs_enable_request" "*"
    END
  END
END
"""

NGINX_SERVER = """  server {{
    listen 127.0.0.1:{port};
    location /mapserv {{
      fastcgi_pass unix:{socket};
      fastcgi_keep_conn on;
      include /etc/nginx/fastcgi_params;
      fastcgi_param QUERY_STRING $query_string;
    }}
  }}
"""


@dataclass
class MapServer:
    fcgi: Process
    nginx: Process
    base_url: str

    def stop(self) -> None:
        self.nginx.stop()
        self.fcgi.stop()

    def processes(self) -> list[Process]:
        return [self.fcgi, self.nginx]


def start(db: BenchDatabase, folder: Path) -> MapServer:
    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("tmp-body", "tmp-fastcgi", "tmp-proxy", "tmp-uwsgi", "tmp-scgi"):
        (folder / sub).mkdir(exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    mapfile = folder / "bench.map"
    mapfile.write_text(
        MAPFILE.format(url=url, libpq=db.libpq(), provincias=PROVINCIAS_TABLE, ep=EP_TABLE)
    )
    config = folder / "mapserver.conf"
    config.write_text(
        f'CONFIG\n  ENV\n    MS_MAPFILE "{mapfile}"\n    MS_ERRORFILE "{folder}/ms-error.log"\n'
        f"  END\nEND\n"
    )
    socket_path = folder / "mapserv.sock"
    socket_path.unlink(missing_ok=True)
    spawn_fcgi, mapserv, nginx = which("spawn-fcgi"), which("mapserv"), which("nginx")
    if not (spawn_fcgi and mapserv and nginx):
        raise RuntimeError("spawn-fcgi, mapserv (cgi-mapserver) or nginx is missing")
    fcgi = spawn(
        "mapserver-fcgi",
        [spawn_fcgi, "-n", "-F", "1", "-M", "0666", "-s", str(socket_path), "--", mapserv],
        {"MAPSERVER_CONFIG_FILE": str(config)},
        folder,
    )
    wait_socket(socket_path)
    conf = folder / "nginx.conf"
    conf.write_text(nginx_conf(folder, NGINX_SERVER.format(port=port, socket=socket_path)))
    proxy = spawn("nginx-mapserver", [nginx, "-c", str(conf), "-p", str(folder)], {}, folder)
    proxy.base_url = url
    fcgi.base_url = url
    return MapServer(fcgi, proxy, url)


def getmap_path(bbox_3857: tuple[float, float, float, float], size: int = 256) -> str:
    minx, miny, maxx, maxy = bbox_3857
    return (
        "/mapserv?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=provincias&STYLES="
        f"&CRS=EPSG:3857&BBOX={minx:.2f},{miny:.2f},{maxx:.2f},{maxy:.2f}"
        f"&WIDTH={size}&HEIGHT={size}&FORMAT=image/png%3B%20mode%3D8bit"
    )


def getfeature_path(output_format: str) -> str:
    from urllib.parse import quote

    return (
        "/mapserv?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature"
        f"&TYPENAMES=ms:establecimientos_penitenciarios&OUTPUTFORMAT={quote(output_format)}"
    )
